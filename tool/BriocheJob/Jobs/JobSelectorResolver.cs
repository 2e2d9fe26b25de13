using System.Globalization;
using BriocheJob.Diagnostics;
using BriocheJob.Store;

namespace BriocheJob.Jobs;

/// <summary>
/// Turns the job selector every command takes into one job (or an events file path).
/// <list type="number">
/// <item>Omitted, empty or <c>failed</c>: the most recent failed job. <c>last</c>: the most recent job of any result.
/// Keywords are case-insensitive and cannot be job ids (Crockford base32 has no I, L or U).</item>
/// <item><c>-N</c> (N ≥ 1): the Nth most recent failed job; <c>-1</c> is the same as <c>failed</c>.</item>
/// <item>Text containing a path separator or ending in <c>.zst</c>: an events file path, returned as such without
/// looking at the store (write <c>./name</c> to force a bare file name to be a path).</item>
/// <item>Otherwise the text must be letters, digits, <c>-</c> or <c>_</c>. A whole job id (any case) wins outright.</item>
/// <item>Else every form the text fits is tried together, and together they must point at exactly one job:
/// a job id prefix (any length, any case); a pid, when the text is all digits without a leading zero
/// (the most recent job of that pid); a recipe hash prefix, when the text is at least 8 hex digits
/// (the most recent job of each matching recipe). Current ULIDs start with 0 and pids never do,
/// so digits read as a pid in practice; hex text that is both an id prefix and a recipe prefix of different
/// jobs is ambiguous rather than silently preferring one.</item>
/// <item>Several jobs: <see cref="AmbiguousSelectorException"/> (BJ6002) listing up to
/// <see cref="MaxCandidates"/> of them, most recent first.</item>
/// <item>No job: if a file of that name exists it is taken as an events file path; otherwise BJ6001.</item>
/// </list>
/// </summary>
public sealed class JobSelectorResolver
{
    /// <summary>How many candidates an ambiguity error lists.</summary>
    public const int MaxCandidates = 10;

    /// <summary>The shortest recipe hash prefix accepted, so short hex text reads as an id prefix or pid only.</summary>
    public const int MinRecipePrefixLength = 8;

    private readonly IJobStore _store;
    private readonly Func<string, bool> _fileExists;

    public JobSelectorResolver(IJobStore store)
        : this(store, File.Exists)
    {
    }

    /// <param name="fileExists">Checks bare names against the file system (tests pass their own).</param>
    public JobSelectorResolver(IJobStore store, Func<string, bool> fileExists)
    {
        _store = store;
        _fileExists = fileExists;
    }

    /// <summary>Resolves a job selector; see the class remarks for the rules.</summary>
    /// <exception cref="BriocheJobException">BJ6001 no match, BJ6003 not a selector, BJ6004 too few failed jobs.</exception>
    /// <exception cref="AmbiguousSelectorException">BJ6002, with the candidates.</exception>
    public SelectorResolution Resolve(string? selector)
    {
        string text = selector?.Trim() ?? "";
        if (text.Length == 0 || text.Equals("failed", StringComparison.OrdinalIgnoreCase))
        {
            return NthMostRecentFailed(1, SelectorForm.MostRecentFailed);
        }

        if (text.Equals("last", StringComparison.OrdinalIgnoreCase))
        {
            JobView last = _store.QueryJobs(new JobQuery(Limit: 1)).FirstOrDefault()
                ?? throw Catalog.Selectors.NoJobsYet.Exception();
            return new SelectorResolution(SelectorForm.MostRecent, last, null);
        }

        if (text[0] == '-')
        {
            if (int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1)
            {
                return NthMostRecentFailed(n, SelectorForm.NthMostRecentFailed);
            }

            throw Invalid(text, "a negative selector counts failed jobs back from the latest: -1, -2, ...");
        }

        if (LooksLikePath(text))
        {
            return new SelectorResolution(SelectorForm.EventsFile, null, text);
        }

        if (!text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw Invalid(text, "expected failed, last, -N, a job id or prefix, a recipe hash, a pid or an events file path");
        }

        bool recipe = text.Length >= MinRecipePrefixLength && text.All(char.IsAsciiHexDigit);
        SelectorMatches found = _store.FindSelectorMatches(
            new SelectorLookup(text, IsPid(text, out int pid) ? pid : null, recipe, MaxCandidates + 1));
        if (found.Exact is { } exact)
        {
            return new SelectorResolution(SelectorForm.JobId, exact, null);
        }

        var matches = new List<(SelectorForm Form, JobView Job)>();
        bool more = found.ById.Count > MaxCandidates || found.ByRecipe.Count > MaxCandidates;
        matches.AddRange(found.ById.Take(MaxCandidates).Select(j => (SelectorForm.JobIdPrefix, j)));
        matches.AddRange(found.ByPid.Select(j => (SelectorForm.Pid, j)));
        matches.AddRange(found.ByRecipe.Take(MaxCandidates).Select(j => (SelectorForm.RecipeHash, j)));

        var distinct = matches
            .DistinctBy(m => m.Job.Job.Id, StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(m => m.Job.Job.StartedAt)
            .ToList();
        if (distinct.Count == 1)
        {
            return new SelectorResolution(distinct[0].Form, distinct[0].Job, null);
        }

        if (distinct.Count > 1)
        {
            more |= distinct.Count > MaxCandidates;
            var candidates = distinct.Take(MaxCandidates).Select(m => Describe(m.Form, m.Job)).ToList();
            string count = more ? $"more than {candidates.Count}" : candidates.Count.ToString(CultureInfo.InvariantCulture);
            throw new AmbiguousSelectorException(
                Catalog.Selectors.Ambiguous.Message(Quote(text), count),
                candidates,
                more);
        }

        if (_fileExists(text))
        {
            return new SelectorResolution(SelectorForm.EventsFile, null, text);
        }

        throw Catalog.Selectors.NoMatch.Exception(Quote(text), DescribeForms(text));
    }

    /// <summary>
    /// Resolves a build selector: omitted or <c>last</c> is the most recent build, <c>-N</c> the Nth most recent,
    /// otherwise a whole build id or external id (<c>BriocheJobBuildId</c>), then a unique build id prefix.
    /// </summary>
    public BuildDetails ResolveBuild(string? selector)
    {
        string text = selector?.Trim() ?? "";
        int offset = -1;
        if (text.Length == 0 || text.Equals("last", StringComparison.OrdinalIgnoreCase))
        {
            offset = 0;
        }
        else if (text[0] == '-' && int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1)
        {
            offset = n - 1;
        }

        if (offset >= 0)
        {
            BuildSummary summary = _store.QueryBuilds(1, offset).FirstOrDefault()
                ?? throw (offset == 0 ? Catalog.Selectors.NoBuildsYet.Exception() : Catalog.Selectors.FewerBuilds.Exception(offset + 1));
            return _store.GetBuild(summary.Build.Id)!;
        }

        if (_store.GetBuild(text) is { } exact)
        {
            return exact;
        }

        IReadOnlyList<BuildRecord> byPrefix = _store.FindBuildsByIdPrefix(text, MaxCandidates + 1);
        if (byPrefix.Count == 1)
        {
            return _store.GetBuild(byPrefix[0].Id)!;
        }

        if (byPrefix.Count > 1)
        {
            bool more = byPrefix.Count > MaxCandidates;
            var candidates = byPrefix.Take(MaxCandidates)
                .Select(b => new SelectorCandidate(b.Id, $"build {b.Id} {Time(b.StartedAt)} {b.Origin.ToString().ToLowerInvariant()} {Outcome(b.State, b.Result)}"))
                .ToList();
            throw new AmbiguousSelectorException(
                Catalog.Selectors.AmbiguousBuild.Message(Quote(text), $"{(more ? "more than " : "")}{candidates.Count}"),
                candidates,
                more);
        }

        throw Catalog.Selectors.NoBuildMatches.Exception(Quote(text));
    }

    private SelectorResolution NthMostRecentFailed(int n, SelectorForm form)
    {
        JobView? job = _store.QueryJobs(new JobQuery(FailedOnly: true, Limit: 1, Offset: n - 1)).FirstOrDefault();
        if (job is not null)
        {
            return new SelectorResolution(form, job, null);
        }

        throw n == 1 ? Catalog.Selectors.NoFailedJob.Exception() : Catalog.Selectors.NotEnoughFailedJobs.Exception(n);
    }

    private static bool LooksLikePath(string text) =>
        text.Contains('/') ||
        text.Contains(Path.DirectorySeparatorChar) ||
        text.EndsWith(".zst", StringComparison.OrdinalIgnoreCase);

    private static bool IsPid(string text, out int pid)
    {
        pid = 0;
        return text[0] != '0' && text.All(char.IsAsciiDigit) &&
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out pid);
    }

    private static string DescribeForms(string text)
    {
        var forms = new List<string> { "a job id prefix" };
        if (IsPid(text, out _))
        {
            forms.Add("a pid");
        }

        if (text.Length >= MinRecipePrefixLength && text.All(char.IsAsciiHexDigit))
        {
            forms.Add("a recipe hash prefix");
        }

        forms.Add("a file");
        return string.Join(", ", forms);
    }

    private static SelectorCandidate Describe(SelectorForm form, JobView view)
    {
        JobRecord job = view.Job;
        string how = form switch
        {
            SelectorForm.Pid => $"pid {job.Pid}",
            SelectorForm.RecipeHash => $"recipe {job.RecipeHash}",
            _ => "id",
        };
        string name = job.Name ?? view.Project?.Name ?? view.Project?.LocalProjectPath ?? "";
        return new SelectorCandidate(job.Id,
            $"{job.Id} {Time(job.StartedAt)} {job.Kind.ToString().ToLowerInvariant()} {Outcome(job.State, job.Result)} (by {how}) {name}".TrimEnd());
    }

    private static string Outcome(RunState state, RunResult? result) =>
        result?.ToString().ToLowerInvariant() ?? state.ToString().ToLowerInvariant();

    private static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The selector as the error echoes it: quoted, and cut short when huge (a 100 KB paste stays one line).</summary>
    internal static string Quote(string text) =>
        text.Length <= MaxEcho ? $"'{text}'" : $"'{text[..MaxEcho]}…' ({text.Length} characters)";

    private const int MaxEcho = 80;

    private static BriocheJobException Invalid(string text, string hint) =>
        Catalog.Selectors.Invalid.Exception(Quote(text), hint);
}
