using BriocheJob.Store;

namespace BriocheJob.History;

/// <summary>
/// What the store knows about a job's exact recipe (Brioche recipe hash, or BuildKit vertex digest) elsewhere:
/// whether it is flaky (the same input both succeeded and failed, so the cause is not the code) and when it last
/// succeeded.
/// </summary>
public sealed record RecipeHistory(bool Flaky, JobView? LastSucceeded)
{
    /// <summary>The flaky set in the shape <c>JobJson</c> takes: this job's hash when it is flaky.</summary>
    public IReadOnlySet<string> FlakyRecipes { get; init; } = new HashSet<string>();

    public static RecipeHistory Of(IJobStore store, JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(job);
        if (job.RecipeHash is not { } hash)
        {
            return new RecipeHistory(false, null);
        }

        IReadOnlySet<string> flaky = store.FindFlakyRecipeHashes([hash]);
        JobView? last = store.FindJobsByRecipeHash(hash, RunResult.Succeeded, 2).FirstOrDefault(v => v.Job.Id != job.Id);
        return new RecipeHistory(flaky.Count > 0, last) { FlakyRecipes = flaky };
    }
}
