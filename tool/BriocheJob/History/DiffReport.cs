using System.Globalization;
using System.Text;
using BriocheJob.Jobs;
using BriocheJob.Store;

namespace BriocheJob.History;

/// <summary>What <c>builds diff</c> prints: which builds, the pairs that differ (or all), one summary line.</summary>
public static class DiffReport
{
    public static string Text(BuildDiff diff, bool all, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(diff);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"base  {Describe(diff.Base, zone)}\n");
        text.Append(CultureInfo.InvariantCulture, $"head  {Describe(diff.Head, zone)}\n");
        List<DiffPair> shown = diff.Pairs.Where(p => all || p.Change != StepChange.Same || p.ResultChanged).ToList();
        if (shown.Count > 0)
        {
            text.Append('\n');
            var table = new TextTable("CHANGE", "RESULT", "CACHE", "DURATION", "KEY", "NAME");
            foreach (DiffPair pair in shown)
            {
                table.AddRow(
                    StoreChange(pair.Change),
                    ResultText(pair),
                    CacheText(pair),
                    DurationText(pair),
                    JobDisplay.Truncate(pair.Key, 56),
                    JobDisplay.Truncate((pair.Head ?? pair.Base)!.Job.Name, JobTable.NameWidth));
            }

            text.Append(table.Render());
        }

        text.Append('\n');
        int results = diff.Pairs.Count(p => p.ResultChanged);
        int cache = diff.Pairs.Count(p => p.CacheChanged);
        text.Append(CultureInfo.InvariantCulture,
            $"{diff.Count(StepChange.Changed)} changed, {diff.Count(StepChange.Added)} added, {diff.Count(StepChange.Removed)} removed, {diff.Count(StepChange.Same)} same; {results} changed result, {cache} changed cache use\n");
        return text.ToString();
    }

    public static BuildDiffJson Json(BuildDiff diff, IJobStore store, IReadOnlySet<string>? flakyRecipes)
    {
        ArgumentNullException.ThrowIfNull(diff);
        IReadOnlyDictionary<string, string> shortIds = ShortIds.ForJobs(store,
            diff.Pairs.SelectMany(p => new[] { p.Base, p.Head }).OfType<JobView>().Select(v => v.Job.Id));
        return new BuildDiffJson(
            BuildFor(diff.Base),
            BuildFor(diff.Head),
            diff.Pairs.Select(p => new DiffPairJson(
                p.Key,
                StoreChange(p.Change),
                p.Base is null ? null : JobJson.From(p.Base, shortIds[p.Base.Job.Id], flakyRecipes),
                p.Head is null ? null : JobJson.From(p.Head, shortIds[p.Head.Job.Id], flakyRecipes),
                p.ResultChanged,
                p.CacheChanged,
                p.DurationDeltaMs)).ToList());
    }

    public static string StoreChange(StepChange change) => change.ToString().ToLowerInvariant();

    private static BuildJson BuildFor(BuildDetails details) =>
        BuildJson.From(details.Build, details.Projects.Count, details.Jobs.Count,
            details.Jobs.Count(j => j.Job.Result == RunResult.Failed));

    private static string Describe(BuildDetails details, TimeZoneInfo zone)
    {
        BuildRecord b = details.Build;
        string external = ExternalIds.Shown(b) is { } externalId ? $" ({externalId})" : "";
        string projects = string.Join(", ", details.Projects.Select(JobDisplay.ProjectName).Distinct());
        return $"{b.Id}{external}  {JobDisplay.Outcome(b.State, b.Result)}, started {JobDisplay.LocalTime(b.StartedAt, zone)}, {Counted.Of(details.Jobs.Count, "job")}: {projects}";
    }

    private static string ResultText(DiffPair pair)
    {
        string now = pair.Head is { } head ? Result(head.Job) : "-";
        return pair.ResultChanged ? $"{now} (was {Result(pair.Base!.Job)})" : pair.Head is null ? $"(was {Result(pair.Base!.Job)})" : now;
    }

    private static string CacheText(DiffPair pair) => pair.CacheChanged
        ? pair.Head!.Job.Cached ? "now cached" : "no longer cached"
        : (pair.Head ?? pair.Base)!.Job.Cached ? "cached" : "";

    private static string DurationText(DiffPair pair)
    {
        JobRecord shown = (pair.Head ?? pair.Base)!.Job;
        string duration = JobDisplay.Duration(shown.Duration);
        if (pair.DurationDeltaMs is not { } delta)
        {
            return duration;
        }

        string sign = delta < 0 ? "-" : "+";
        return $"{duration} ({sign}{JobDisplay.Duration(TimeSpan.FromMilliseconds(Math.Abs(delta)))})";
    }

    private static string Result(JobRecord job) => job.Result is { } r ? StoreText.Of(r)! : StoreText.Of(job.State);
}
