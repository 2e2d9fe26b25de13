using BriocheJob.Store;

namespace BriocheJob.History;

/// <summary>
/// The extra line of a BJ3001/BJ5100 error when the failing step succeeded in an earlier build: what changed since
/// (the <c>why</c> reason) and the command that diffs the logs. Never throws: recording problems must not break a build.
/// </summary>
public static class FailureHistory
{
    public static string? Hint(IJobStore store, string jobId)
    {
        ArgumentNullException.ThrowIfNull(store);
        try
        {
            if (store.GetJob(jobId) is not { Job.Result: RunResult.Failed } job || StepKeys.Of(job) is not { } key
                || store.FindPreviousByStepKey(key, job.Job, succeededOnly: true) is not { } success)
            {
                return null;
            }

            WhyAnswer why = WhyExplainer.Explain(store, job);
            string since = why.Previous is { } previous && previous.Job.Id != success.Job.Id
                ? $"; since its last run ({previous.Job.Id}): {WhyAnswer.ReasonName(why.Reason)}, {why.Detail}"
                : $"; since then: {WhyAnswer.ReasonName(why.Reason)}, {why.Detail}";
            return $"This step succeeded in build {success.Project?.BuildId ?? "?"} (job {success.Job.Id}){since}. " +
                   $"Diff the logs: dotnet brioche-job logs --diff {jobId}";
        }
        catch (Exception e) when (e is BriocheJobException or IOException or InvalidOperationException or System.Data.Common.DbException)
        {
            return null;
        }
    }

    /// <summary>The same, opening the store of <paramref name="home"/> (null: the environment's data home) for the lookup.</summary>
    public static string? Hint(string? home, string jobId)
    {
        try
        {
            DataHome dataHome = home is null ? DataHome.FromEnvironment(Environment.GetEnvironmentVariable) : new DataHome(Path.GetFullPath(home));
            if (!File.Exists(dataHome.DatabasePath))
            {
                return null;
            }

            using SqliteJobStore store = SqliteJobStore.Open(dataHome);
            return Hint(store, jobId);
        }
        catch (Exception e) when (e is BriocheJobException or IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            return null;
        }
    }
}
