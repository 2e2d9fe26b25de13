namespace BriocheJob.Store;

/// <summary>
/// The record of builds, projects and jobs. <see cref="SqliteJobStore"/> is the embedded implementation;
/// a server database can follow behind the same surface. Every write is one transaction: a record is either
/// fully written or not at all. Reads report a running build or job whose recording process is gone as
/// <see cref="RunState.Interrupted"/>, so nothing reads "running" forever.
/// Expected failures are <see cref="BriocheJobException"/> with a code of <see cref="Diagnostics.Catalog.Store"/> or <see cref="Diagnostics.Catalog.Server"/>.
/// </summary>
public interface IJobStore : IDisposable
{
    /// <summary>
    /// Starts a build. With an <see cref="BuildRequest.ExternalId"/> already recorded, that build is reused
    /// (reopened as running, owned by the caller) so every project of one CI run lands in one build.
    /// </summary>
    BuildRecord BeginBuild(BuildRequest request);

    /// <summary>
    /// Finishes a build. A build shared by several processes keeps the latest stop time, and once failed stays failed.
    /// </summary>
    BuildRecord FinishBuild(string buildId, RunState state, RunResult? result, DateTimeOffset? stoppedAt = null);

    /// <summary>Adds a project to a build, or returns the identical project already in it.</summary>
    ProjectRecord AddProject(string buildId, ProjectRequest project);

    /// <summary>Inserts or replaces a job by id. A null <see cref="JobRecord.OwnerPid"/> means this process.</summary>
    void SaveJob(JobRecord job);

    /// <summary>
    /// Inserts or updates several jobs in one transaction (imports, batches of BuildKit steps). A job already recorded
    /// under another project stays there untouched: a job belongs to the build that recorded it first.
    /// </summary>
    void SaveJobs(IEnumerable<JobRecord> jobs);

    bool JobExists(string id);

    /// <summary>The job with this exact id (case-insensitive), with its project and build.</summary>
    JobView? GetJob(string id);

    /// <summary>Jobs matching the query, most recent first.</summary>
    IReadOnlyList<JobView> QueryJobs(JobQuery query);

    /// <summary>Up to <paramref name="max"/> jobs whose id starts with <paramref name="prefix"/> (case-insensitive), most recent first.</summary>
    IReadOnlyList<JobView> FindJobsByIdPrefix(string prefix, int max);

    /// <summary>
    /// For up to <paramref name="max"/> distinct recipe hashes starting with <paramref name="prefix"/>,
    /// the most recent job of each.
    /// </summary>
    IReadOnlyList<JobView> FindJobsByRecipeHashPrefix(string prefix, int max);

    /// <summary>Up to <paramref name="max"/> jobs whose process had this pid, most recent first.</summary>
    IReadOnlyList<JobView> FindJobsByPid(int pid, int max);

    /// <summary>
    /// Every job a selector's text may name, in one look (see <see cref="SelectorLookup"/>). This asks the lookups one
    /// by one; a server store answers in one statement, so a selector costs one round trip.
    /// </summary>
    SelectorMatches FindSelectorMatches(SelectorLookup lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        if (GetJob(lookup.Text) is { } exact)
        {
            return new SelectorMatches(exact, [], [], []);
        }

        return new SelectorMatches(null,
            FindJobsByIdPrefix(lookup.Text, lookup.Max),
            lookup.Pid is { } pid ? FindJobsByPid(pid, 1) : [],
            lookup.RecipePrefix ? FindJobsByRecipeHashPrefix(lookup.Text, lookup.Max) : []);
    }

    /// <summary>Builds with their counts, most recent first, optionally only those matching <paramref name="where"/>.</summary>
    IReadOnlyList<BuildSummary> QueryBuilds(int limit, int offset = 0, BuildFilter? where = null);

    /// <summary>The build with this exact id (case-insensitive) or external id, with its projects and jobs.</summary>
    BuildDetails? GetBuild(string idOrExternalId);

    /// <summary>Up to <paramref name="max"/> builds whose id starts with <paramref name="prefix"/>, most recent first.</summary>
    IReadOnlyList<BuildRecord> FindBuildsByIdPrefix(string prefix, int max);

    /// <summary>
    /// For each of these ids, the job (or build) ids next to it in the store's case-insensitive id order, so short ids
    /// can be worked out against the whole store (see <see cref="IdNeighbours"/>): one primary-key look each way per id,
    /// in one statement per batch.
    /// </summary>
    IReadOnlyList<IdNeighbours> FindIdNeighbours(IReadOnlyCollection<string> ids, IdTable table);

    /// <summary>
    /// Copies a build row from another store, keeping its id: inserts it when neither its id nor its external id is
    /// here, and returns the build as this store holds it (an existing build with the same external id wins).
    /// </summary>
    BuildRecord ImportBuild(BuildRecord build);

    /// <summary>Which store this is, its schema version and its counts, for <c>store info</c>.</summary>
    StoreInfo Describe();

    /// <summary>
    /// Removes the build's projects that hold no job, then the build itself when none is left (an import that lost
    /// every job to a parallel import); returns true when the build is gone.
    /// </summary>
    bool DiscardIfEmpty(string buildId);

    /// <summary>Persists <see cref="RunState.Interrupted"/> for running builds and jobs whose recorder is gone; returns how many.</summary>
    int MarkInterrupted();

    /// <summary>
    /// The most recent job with this step key (see <see cref="StepKeys"/>) that started before <paramref name="before"/>
    /// in another build; with <paramref name="succeededOnly"/>, the most recent such job that succeeded.
    /// The default walks every job; stores override it with an index lookup.
    /// </summary>
    JobView? FindPreviousByStepKey(string stepKey, JobRecord before, bool succeededOnly = false)
    {
        ArgumentNullException.ThrowIfNull(before);
        string? buildId = before.BuildProjectId is null ? null : GetJob(before.Id)?.Project?.BuildId;
        return AllJobs().FirstOrDefault(v =>
            v.Job.Id != before.Id && v.Job.StartedAt <= before.StartedAt
            && (v.Job.StartedAt < before.StartedAt || string.CompareOrdinal(v.Job.Id, before.Id) < 0)
            && (buildId is null || v.Project?.BuildId != buildId)
            && (!succeededOnly || v.Job.Result == RunResult.Succeeded)
            && string.Equals(StepKeys.Of(v), stepKey, StringComparison.Ordinal));
    }

    /// <summary>Up to <paramref name="max"/> jobs with exactly this recipe hash (and result, when given), most recent first.</summary>
    IReadOnlyList<JobView> FindJobsByRecipeHash(string recipeHash, RunResult? result, int max) =>
        AllJobs().Where(v => string.Equals(v.Job.RecipeHash, recipeHash, StringComparison.OrdinalIgnoreCase)
                             && (result is null || v.Job.Result == result)).Take(max).ToList();

    /// <summary>Which of these recipe hashes have both succeeded and failed: the same input with two outcomes.</summary>
    IReadOnlySet<string> FindFlakyRecipeHashes(IEnumerable<string> recipeHashes) =>
        recipeHashes.Where(h => FindJobsByRecipeHash(h, RunResult.Succeeded, 1).Count > 0
                                && FindJobsByRecipeHash(h, RunResult.Failed, 1).Count > 0)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The most recent build started before this one that has a project of the same kind and name.</summary>
    BuildRecord? FindPreviousBuildSharingProject(string buildId)
    {
        BuildDetails head = GetBuild(buildId) ?? throw new ArgumentException($"no build '{buildId}'", nameof(buildId));
        var names = head.Projects.Select(p => (p.Kind, StepKeys.ProjectName(p.Name, p.RegistryProjectName, p.LocalProjectPath))).ToHashSet();
        for (int offset = 0; ; offset += 100)
        {
            IReadOnlyList<BuildSummary> page = QueryBuilds(100, offset);
            if (page.Count == 0)
            {
                return null;
            }

            foreach (BuildSummary summary in page)
            {
                BuildRecord b = summary.Build;
                bool earlier = b.StartedAt < head.Build.StartedAt
                    || (b.StartedAt == head.Build.StartedAt && string.CompareOrdinal(b.Id, head.Build.Id) < 0);
                if (earlier && b.Id != head.Build.Id && GetBuild(b.Id) is { } details && details.Projects.Any(p =>
                        names.Contains((p.Kind, StepKeys.ProjectName(p.Name, p.RegistryProjectName, p.LocalProjectPath)))))
                {
                    return b;
                }
            }
        }
    }

    /// <summary>Every job, most recent first, a page at a time (for the default implementations above).</summary>
    private IEnumerable<JobView> AllJobs()
    {
        for (int offset = 0; ; offset += 1000)
        {
            IReadOnlyList<JobView> page = QueryJobs(new JobQuery(Limit: 1000, Offset: offset));
            foreach (JobView view in page)
            {
                yield return view;
            }

            if (page.Count < 1000)
            {
                yield break;
            }
        }
    }
}
