using static BriocheJob.Store.StoreRows;

namespace BriocheJob.Store;

/// <summary>The lookups the history commands (diff, why, logs --diff, flaky) need, each one index range.</summary>
public sealed partial class PostgresJobStore
{
    public JobView? FindPreviousByStepKey(string stepKey, JobRecord before, bool succeededOnly = false) =>
        Views(StoreSql.PreviousByStepKey(JobViewSelectWithHosts, StoreDialect.Postgres, stepKey, before, succeededOnly)).FirstOrDefault();

    public IReadOnlyList<JobView> FindJobsByRecipeHash(string recipeHash, RunResult? result, int max) =>
        Views(StoreSql.JobsByRecipeHash(JobViewSelectWithHosts, StoreDialect.Postgres, recipeHash, result, max));

    public IReadOnlySet<string> FindFlakyRecipeHashes(IEnumerable<string> recipeHashes)
    {
        string[] hashes = StoreSql.DistinctRecipeHashes(recipeHashes);
        return hashes.Length == 0 ? new HashSet<string>() : Run(c => StoreSql.FindFlakyRecipeHashes(Commands(c), hashes));
    }

    public BuildRecord? FindPreviousBuildSharingProject(string buildId)
    {
        ArgumentException.ThrowIfNullOrEmpty(buildId);
        return Run(c => StoreSql.FindPreviousBuildSharingProject(Commands(c), buildId));
    }
}
