using BriocheJob.Store;

namespace BriocheJob.Completion;

/// <summary>
/// Job and build selectors for completion, from the store: recent failed jobs first, then the other recent jobs,
/// each described by result, project and name. A missing store gives none and creates nothing.
/// </summary>
public static class StoreCandidates
{
    public const int MaxJobs = 30;
    public const int MaxBuilds = 15;

    public static IReadOnlyList<CompletionCandidate> Jobs(DataHome home, string prefix)
    {
        var candidates = new List<CompletionCandidate>
        {
            new("failed", "the most recent failed job"),
            new("last", "the most recent job"),
        };
        using var store = OpenExisting(home);
        if (store is not null)
        {
            var failed = store.QueryJobs(new JobQuery(FailedOnly: true, Limit: MaxJobs));
            var recent = store.QueryJobs(new JobQuery(Limit: MaxJobs));
            foreach (var view in failed.Concat(recent).DistinctBy(v => v.Job.Id).Take(MaxJobs))
            {
                candidates.Add(new CompletionCandidate(view.Job.Id, Describe(view)));
            }
        }

        return Filter(candidates, prefix);
    }

    public static IReadOnlyList<CompletionCandidate> Builds(DataHome home, string prefix)
    {
        var candidates = new List<CompletionCandidate> { new("last", "the most recent build") };
        using var store = OpenExisting(home);
        if (store is not null)
        {
            foreach (var summary in store.QueryBuilds(MaxBuilds))
            {
                var b = summary.Build;
                var result = b.Result?.ToString().ToLowerInvariant() ?? b.State.ToString().ToLowerInvariant();
                candidates.Add(new CompletionCandidate(b.Id,
                    $"{result} {b.Origin.ToString().ToLowerInvariant()} build, {Counted.Of(summary.JobCount, "job")} ({summary.FailedJobCount} failed){(ExternalIds.Shown(b) is { } e ? ", " + e : "")}"));
            }
        }

        return Filter(candidates, prefix);
    }

    private static string Describe(JobView view)
    {
        var job = view.Job;
        var result = job.Result?.ToString().ToLowerInvariant() ?? job.State.ToString().ToLowerInvariant();
        var project = view.Project?.Name is { } name ? name + ": " : "";
        var text = $"{result} {job.Kind.ToString().ToLowerInvariant()} {project}{job.Name}";
        return text.Length > 70 ? text[..69] + "…" : text;
    }

    private static IReadOnlyList<CompletionCandidate> Filter(List<CompletionCandidate> candidates, string prefix) =>
        candidates.Where(c => c.Value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>The store when its database exists; never creates the data home or the database.</summary>
    private static SqliteJobStore? OpenExisting(DataHome home)
    {
        if (!File.Exists(home.DatabasePath))
        {
            return null;
        }

        try
        {
            // Read-only: a Tab press never creates, migrates or locks anything.
            return SqliteJobStore.OpenReadOnly(home.DatabasePath);
        }
        catch (BriocheJobException)
        {
            // Completion never fails a shell: an unreadable store just offers no selectors.
            return null;
        }
    }
}
