using System.Text.Json;
using System.Text.RegularExpressions;
using BriocheJob.Brioche;
using BriocheJob.Store;

namespace BriocheJob.History;

/// <summary>Why a job ran instead of hitting the cache (the <c>reason</c> of <c>why --json</c>).</summary>
public enum WhyReason
{
    FirstRun,
    CacheHit,
    InstructionChanged,
    BuildArgChanged,
    InputChanged,
    ContextChanged,
    RecipeChanged,
    Unknown,
}

/// <summary>One field that differs between the previous run and this one.</summary>
public sealed record FieldChange(string Field, string? Before, string? After);

/// <summary>The answer of <c>why</c>: against the most recent earlier job with the same step key.</summary>
/// <param name="Ancestor">For <see cref="WhyReason.InputChanged"/>: the first changed ancestor step, when found.</param>
public sealed record WhyAnswer(JobView Job, JobView? Previous, WhyReason Reason, IReadOnlyList<FieldChange> Changes,
    JobView? Ancestor, string Detail)
{
    public static string ReasonName(WhyReason reason) => reason switch
    {
        WhyReason.FirstRun => "first-run",
        WhyReason.CacheHit => "cache-hit",
        WhyReason.InstructionChanged => "instruction-changed",
        WhyReason.BuildArgChanged => "build-arg-changed",
        WhyReason.InputChanged => "input-changed",
        WhyReason.ContextChanged => "context-changed",
        WhyReason.RecipeChanged => "recipe-changed",
        _ => "unknown",
    };
}

/// <summary>
/// Explains why a job ran. Docker: the instruction text, the build args it uses, the context files it copies, then its
/// inputs (naming the first changed ancestor step). Brioche: the two Descriptions' recipes, field by field.
/// </summary>
public static partial class WhyExplainer
{
    private const int MaxAncestorDepth = 64;

    public static WhyAnswer Explain(IJobStore store, JobView view)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(view);
        JobRecord job = view.Job;
        string? key = StepKeys.Of(view);
        JobView? previous = key is null ? null : store.FindPreviousByStepKey(key, job);
        if (job.Cached)
        {
            return new WhyAnswer(view, previous, WhyReason.CacheHit, [], null, "the step did not run: BuildKit took its result from the cache");
        }

        if (previous is null)
        {
            return new WhyAnswer(view, null, WhyReason.FirstRun, [], null,
                key is null ? "nothing identifies this job's step, so it has no earlier run" : "no earlier build ran this step");
        }

        return job.Kind == JobKind.Docker ? ExplainDocker(store, view, previous) : ExplainBrioche(view, previous);
    }

    private static WhyAnswer ExplainDocker(IJobStore store, JobView view, JobView previous)
    {
        StepMeta now = StepMeta.Of(view.Job), before = StepMeta.Of(previous.Job);
        var changes = new List<FieldChange>();
        WhyReason? reason = null;
        if (!string.Equals(now.Instruction, before.Instruction, StringComparison.Ordinal))
        {
            changes.Add(new FieldChange("instruction", before.Instruction, now.Instruction));
            reason ??= WhyReason.InstructionChanged;
        }

        foreach (string name in now.BuildArgs.Keys.Union(before.BuildArgs.Keys).Order(StringComparer.Ordinal))
        {
            string? a = before.BuildArgs.GetValueOrDefault(name), b = now.BuildArgs.GetValueOrDefault(name);
            // RUN sees every ARG in scope as an environment variable; other instructions only the ones they name.
            bool inScope = now.ArgsInScope?.Contains(name, StringComparer.Ordinal) ?? true;
            if (a != b && inScope && (now.Keyword == "RUN" || UsesArg(now.Instruction, name) || UsesArg(before.Instruction, name)))
            {
                changes.Add(new FieldChange($"buildArgs.{name}", a, b));
                reason ??= WhyReason.BuildArgChanged;
            }
        }

        if (now.ContextSources is { } sourcesNow && before.ContextSources is { } sourcesBefore)
        {
            foreach (string source in sourcesNow.Keys.Union(sourcesBefore.Keys).Order(StringComparer.Ordinal))
            {
                string? a = sourcesBefore.GetValueOrDefault(source), b = sourcesNow.GetValueOrDefault(source);
                if (a != b)
                {
                    changes.Add(new FieldChange($"context.{source}", a, b));
                    reason ??= WhyReason.ContextChanged;
                }
            }
        }

        if (reason is { } found)
        {
            return new WhyAnswer(view, previous, found, changes, null, Detail(found, changes));
        }

        var inputs = new BuildInputs(store, view.Project?.BuildId);
        if (FirstChangedAncestor(store, inputs, view, new HashSet<string>(StringComparer.OrdinalIgnoreCase), 0) is { } ancestor)
        {
            string what = ancestor.Job.Job.Name ?? ancestor.Job.Job.Id;
            changes.Add(new FieldChange("input", ancestor.Previous.Job.Name ?? ancestor.Previous.Job.Id, what));
            // What changed in that step, under its name: the instruction, a build arg, a context file's digest.
            if (ancestor.Reason is WhyReason.InstructionChanged or WhyReason.BuildArgChanged or WhyReason.ContextChanged)
            {
                changes.AddRange(ancestor.Changes.Select(c => c with { Field = "input." + c.Field }));
            }
            return new WhyAnswer(view, previous, WhyReason.InputChanged, changes, ancestor.Job,
                $"an input step changed: {what} (job {ancestor.Job.Job.Id}), {WhyAnswer.ReasonName(ancestor.Reason)}");
        }

        if (!string.Equals(view.Job.RecipeHash, previous.Job.RecipeHash, StringComparison.OrdinalIgnoreCase)
            || !SameList(now.Inputs, before.Inputs))
        {
            changes.Add(new FieldChange("inputs", Join(before.Inputs), Join(now.Inputs)));
            return new WhyAnswer(view, previous, WhyReason.InputChanged, changes, null,
                "its inputs changed (a base image or a step not recorded in this build)");
        }

        return new WhyAnswer(view, previous, WhyReason.Unknown, [], null,
            previous.Job.Result == RunResult.Failed
                ? "the same step failed last time, and BuildKit does not cache a failure"
                : "same instruction, build args, context and inputs: the cache was not used (pruned, or --no-cache)");
    }

    /// <summary>
    /// The Docker step of one build that produced a digest. The recipe-hash index answers most lookups; a digest that
    /// recurs in many later builds (a step cached ever since) crowds the build's own job out of that answer, and then
    /// the build's jobs are read once.
    /// </summary>
    private sealed class BuildInputs(IJobStore store, string? buildId)
    {
        private const int RecentRuns = 20;
        private Dictionary<string, JobView>? _byDigest;

        public JobView? Find(string digest)
        {
            IReadOnlyList<JobView> recent = store.FindJobsByRecipeHash(digest, null, RecentRuns);
            JobView? found = recent.FirstOrDefault(v => v.Project?.BuildId == buildId && v.Job.Kind == JobKind.Docker);
            if (found is not null || recent.Count < RecentRuns || buildId is null)
            {
                return found;
            }

            _byDigest ??= (store.GetBuild(buildId)?.Jobs ?? [])
                .Where(v => v.Job.Kind == JobKind.Docker && v.Job.RecipeHash is not null)
                .GroupBy(v => v.Job.RecipeHash!, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
            return _byDigest.GetValueOrDefault(digest);
        }
    }

    private sealed record ChangedAncestor(JobView Job, JobView Previous, WhyReason Reason, IReadOnlyList<FieldChange> Changes);

    /// <summary>Depth-first through the step's inputs: the changed step closest to the roots.</summary>
    private static ChangedAncestor? FirstChangedAncestor(IJobStore store, BuildInputs buildInputs, JobView view, HashSet<string> visited, int depth)
    {
        if (depth > MaxAncestorDepth || StepMeta.Of(view.Job).Inputs is not { Count: > 0 } inputs)
        {
            return null;
        }

        foreach (string digest in inputs)
        {
            if (!visited.Add(digest))
            {
                continue;
            }

            JobView? input = buildInputs.Find(digest);
            if (input is null || StepKeys.Of(input) is not { } key || store.FindPreviousByStepKey(key, input.Job) is not { } before)
            {
                continue;
            }

            ChangedAncestor? deeper = FirstChangedAncestor(store, buildInputs, input, visited, depth + 1);
            if (deeper is not null)
            {
                return deeper;
            }

            if (BuildDiff.IsChanged(before.Job, input.Job)
                || !string.Equals(StepMeta.Of(before.Job).Instruction, StepMeta.Of(input.Job).Instruction, StringComparison.Ordinal))
            {
                // A Dockerfile step, or a change we can name. BuildKit's own vertices ([internal] load build context)
                // may get a new digest every build, which explains nothing.
                WhyAnswer own = ExplainDocker(store, input, before);
                if (own.Reason is WhyReason.InstructionChanged or WhyReason.BuildArgChanged or WhyReason.ContextChanged
                    || StepMeta.Of(input.Job).Line is not null)
                {
                    return new ChangedAncestor(input, before, own.Reason, own.Changes);
                }
            }
        }

        return null;
    }

    private static WhyAnswer ExplainBrioche(JobView view, JobView previous)
    {
        if (string.Equals(view.Job.RecipeHash, previous.Job.RecipeHash, StringComparison.OrdinalIgnoreCase))
        {
            return new WhyAnswer(view, previous, WhyReason.Unknown, [], null,
                previous.Job.Result == RunResult.Failed
                    ? "the identical recipe ran before and failed; Brioche caches only successful bakes"
                    : "the identical recipe ran before; its cached output was not used (cache cleared?)");
        }

        var changes = new List<FieldChange>();
        JsonElement? recipeBefore = ReadRecipe(previous.Job.LocalPath), recipeNow = ReadRecipe(view.Job.LocalPath);
        if (recipeBefore is { } a && recipeNow is { } b)
        {
            Dictionary<string, string> flatBefore = Flatten(a), flatNow = Flatten(b);
            foreach (string field in flatNow.Keys.Union(flatBefore.Keys).OrderBy(FieldOrder).ThenBy(f => f, StringComparer.Ordinal))
            {
                string? x = flatBefore.GetValueOrDefault(field), y = flatNow.GetValueOrDefault(field);
                if (x != y)
                {
                    changes.Add(new FieldChange(field, x, y));
                }
            }
        }

        changes.Add(new FieldChange("recipeHash", previous.Job.RecipeHash, view.Job.RecipeHash));
        string detail = recipeBefore is null || recipeNow is null
            ? "the recipe hash changed (an events file is gone, so the fields cannot be compared)"
            : $"the recipe changed: {string.Join(", ", changes.Where(c => c.Field != "recipeHash").Select(c => c.Field))}";
        return new WhyAnswer(view, previous, WhyReason.RecipeChanged, changes, null, detail);
    }

    private static int FieldOrder(string field) => field switch
    {
        "command" => 0,
        _ when field.StartsWith("args", StringComparison.Ordinal) => 1,
        _ when field.StartsWith("env", StringComparison.Ordinal) => 2,
        _ when field.StartsWith("currentDir", StringComparison.Ordinal) => 3,
        _ => 4,
    };

    private static JsonElement? ReadRecipe(string? path)
    {
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return null;
        }

        try
        {
            return ProcessEventsReader.ReadDescription(path).Recipe;
        }
        catch (Exception e) when (e is BriocheJobException or IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// The recipe's leaves by path (<c>command</c>, <c>args[1]</c>, <c>env.PATH</c>): templates of literals decoded to
    /// their text, anything else (artifacts and their hashes) down to each value.
    /// </summary>
    internal static Dictionary<string, string> Flatten(JsonElement recipe)
    {
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(recipe, "", leaves);
        return leaves;
    }

    private static void Walk(JsonElement element, string path, Dictionary<string, string> leaves)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (IsLiteralTemplate(element))
                {
                    leaves[path] = TemplateText.ToDisplayString(element);
                    return;
                }

                foreach (JsonProperty property in element.EnumerateObject())
                {
                    Walk(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", leaves);
                }

                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    Walk(item, $"{path}[{i++}]", leaves);
                }

                break;
            case JsonValueKind.String:
                leaves[path] = TickEncoding.DecodeToDisplayString(element.GetString()!);
                break;
            default:
                leaves[path] = element.GetRawText();
                break;
        }
    }

    private static bool IsLiteralTemplate(JsonElement element) =>
        element.TryGetProperty("components", out JsonElement components) && components.ValueKind == JsonValueKind.Array
        && components.EnumerateArray().All(c => c.ValueKind == JsonValueKind.Object
            && c.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String && t.GetString() == "literal");

    private static string Detail(WhyReason reason, List<FieldChange> changes) => reason switch
    {
        WhyReason.InstructionChanged => "the instruction text changed",
        WhyReason.BuildArgChanged => $"a build arg it uses changed: {string.Join(", ", changes.Where(c => c.Field.StartsWith("buildArgs.", StringComparison.Ordinal)).Select(c => c.Field["buildArgs.".Length..]))}",
        WhyReason.ContextChanged => $"the context files it copies changed: {string.Join(", ", changes.Where(c => c.Field.StartsWith("context.", StringComparison.Ordinal)).Select(c => c.Field["context.".Length..]))}",
        _ => WhyAnswer.ReasonName(reason),
    };

    private static bool UsesArg(string? instruction, string name) =>
        instruction is not null && ArgReference().Matches(instruction).Any(m => m.Groups[1].Value == name || m.Groups[2].Value == name);

    [GeneratedRegex(@"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")]
    private static partial Regex ArgReference();

    private static bool SameList(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        a is null || b is null || a.SequenceEqual(b, StringComparer.OrdinalIgnoreCase);

    private static string? Join(IReadOnlyList<string>? list) => list is null ? null : string.Join(" ", list);
}
