using System.Globalization;
using System.Text;
using BriocheJob.Jobs;
using BriocheJob.Store;

namespace BriocheJob.History;

/// <summary>The parts of <c>builds show</c> that say where the time went: stats, critical path, jobs with offsets.</summary>
public static class BuildReport
{
    /// <summary>The <c>stats</c> line and the critical path, each line ending in a newline.</summary>
    public static string Summary(BuildAnalysis analysis, IJobStore store)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        BuildStats s = analysis.Stats;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"wall      {JobDisplay.Duration(TimeSpan.FromMilliseconds(s.WallMs))}, jobs {JobDisplay.Duration(TimeSpan.FromMilliseconds(s.JobMs))} summed, parallelism {s.Parallelism:0.00}, {s.CachedJobs} of {s.JobCount} jobs cached\n");
        if (analysis.CriticalPath.Count == 0)
        {
            return text.ToString();
        }

        long pathMs = analysis.CriticalPath.Sum(v => v.Job.Duration is { } d ? (long)d.TotalMilliseconds : 0);
        text.Append(CultureInfo.InvariantCulture,
            $"critical path ({BuildAnalysis.MethodText(analysis.Method)}): {Counted.Of(analysis.CriticalPath.Count, "job")}, {JobDisplay.Duration(TimeSpan.FromMilliseconds(pathMs))} of job time\n");
        IReadOnlyDictionary<string, string> shortIds = analysis.ShortJobIds(store);
        foreach (JobView v in analysis.CriticalPath)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"  {shortIds[v.Job.Id]}  +{Offset(analysis.OffsetMs(v.Job))}  {JobDisplay.Duration(v.Job.Duration)}  {JobDisplay.Truncate(v.Job.Name, JobTable.NameWidth)}\n");
        }

        return text.ToString();
    }

    /// <summary>One row per job in start order: offset from the build's start, duration, <c>*</c> on the critical path.</summary>
    public static string JobRows(BuildAnalysis analysis, IJobStore store)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        IReadOnlyDictionary<string, string> shortIds = analysis.ShortJobIds(store);
        var table = new TextTable("ID", "OFFSET", "DURATION", "CP", "RESULT", "PROJECT", "KIND", "NAME");
        foreach (JobView v in analysis.Jobs)
        {
            table.AddRow(
                shortIds[v.Job.Id],
                "+" + Offset(analysis.OffsetMs(v.Job)),
                JobDisplay.Duration(v.Job.Duration),
                analysis.CriticalIds.Contains(v.Job.Id) ? "*" : "",
                JobDisplay.Outcome(v.Job),
                JobDisplay.Truncate(JobDisplay.ProjectName(v.Project), 24),
                StoreText.Of(v.Job.Kind),
                JobDisplay.Truncate(v.Job.Name, JobTable.NameWidth));
        }

        return table.Render();
    }

    /// <summary><c>builds show --json</c>.</summary>
    public static BuildShowJson Json(BuildAnalysis analysis, IJobStore store, IReadOnlySet<string>? flakyRecipes)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        BuildDetails d = analysis.Details;
        IReadOnlyDictionary<string, string> shortIds = analysis.ShortJobIds(store);
        var jobs = analysis.Jobs
            .Select(v => JobJson.From(v, shortIds[v.Job.Id], flakyRecipes) with { OffsetMs = analysis.OffsetMs(v.Job) })
            .ToList();
        int failed = d.Jobs.Count(j => j.Job.Result == RunResult.Failed);
        return new BuildShowJson(
            BuildJson.From(d.Build, d.Projects.Count, d.Jobs.Count, failed),
            d.Projects.Select(ProjectJson.From).ToList(),
            jobs,
            BuildStatsJson.From(analysis.Stats),
            analysis.CriticalPath.Select(v => v.Job.Id).ToList(),
            BuildAnalysis.MethodName(analysis.Method));
    }

    /// <summary>An offset as a duration; negative when a step's clock (BuildKit's) ran ahead of the build's.</summary>
    public static string Offset(long ms) =>
        ms < 0 ? "-" + JobDisplay.Duration(TimeSpan.FromMilliseconds(-ms)) : JobDisplay.Duration(TimeSpan.FromMilliseconds(ms));
}
