using BriocheJob.Store;

namespace BriocheJob.Jobs;

/// <summary>The table <c>list</c> and <c>builds show</c> print: one row per job, most recent first as given.</summary>
public static class JobTable
{
    /// <summary>How much of a job name a row shows.</summary>
    public const int NameWidth = 48;

    /// <summary>
    /// Renders jobs with their short ids and short build ids, each unique in the whole <paramref name="store"/>.
    /// <paramref name="zone"/> and <paramref name="now"/> place the start times (local time, compact).
    /// </summary>
    public static string Render(IJobStore store, IReadOnlyList<JobView> jobs, TimeZoneInfo zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        IReadOnlyDictionary<string, string> shortIds = ShortIds.ForJobs(store, jobs.Select(j => j.Job.Id));
        IReadOnlyDictionary<string, string> shortBuilds = ShortIds.ForBuilds(store,
            jobs.Select(j => j.Build?.Id ?? j.Project?.BuildId).OfType<string>());
        var table = new TextTable("ID", "BUILD", "PROJECT", "KIND", "NAME", "RESULT", "STARTED", "DURATION");
        foreach (JobView view in jobs)
        {
            JobRecord job = view.Job;
            string? buildId = view.Build?.Id ?? view.Project?.BuildId;
            table.AddRow(
                shortIds[job.Id],
                buildId is null ? "" : shortBuilds[buildId],
                JobDisplay.Truncate(JobDisplay.ProjectName(view.Project), 24),
                StoreText.Of(job.Kind),
                JobDisplay.Truncate(job.Name, NameWidth),
                JobDisplay.Outcome(job),
                JobDisplay.Started(job.StartedAt, zone, now),
                JobDisplay.Duration(job.Duration));
        }

        return table.Render();
    }
}
