using System.Data.Common;
using static BriocheJob.Store.StoreRows;

namespace BriocheJob.Store;

/// <summary>
/// What <see cref="SqliteJobStore"/> and <see cref="PostgresJobStore"/> share beyond SQL text: every
/// <see cref="IJobStore"/> and <see cref="IStoreMaintenance"/> member whose logic is the same in both is written here
/// once, over <see cref="StoreSql"/>. A store gives its connection (<see cref="OnConnection{T}"/>), its write
/// transaction (<see cref="InTransaction{T}"/>), its <see cref="StoreDialect"/> and how it reads a job view's row, and
/// implements what it does its own way: opening, beginning builds, batching saves, compaction, its description.
/// </summary>
public abstract class SqlJobStore : IJobStore, IStoreMaintenance
{
    private readonly string _jobViewSelect;
    private readonly string _jobById;

    private protected SqlJobStore(StoreDialect dialect, string jobViewSelect)
    {
        Dialect = dialect;
        _jobViewSelect = jobViewSelect;
        _jobById = StoreSql.JobById(jobViewSelect, dialect);
    }

    private protected StoreDialect Dialect { get; }

    public abstract BuildRecord BeginBuild(BuildRequest request);

    public BuildRecord FinishBuild(string buildId, RunState state, RunResult? result, DateTimeOffset? stoppedAt = null)
    {
        DateTimeOffset stopped = stoppedAt ?? DateTimeOffset.UtcNow;
        return InTransaction(db => StoreSql.FinishBuild(db, buildId, state, result, stopped));
    }

    public ProjectRecord AddProject(string buildId, ProjectRequest project) =>
        InTransaction(db => StoreSql.AddProject(db, buildId, project));

    public void SaveJob(JobRecord job) => SaveJobs([job]);

    public abstract void SaveJobs(IEnumerable<JobRecord> jobs);

    public bool JobExists(string id) => OnConnection(db => StoreSql.JobExists(db, id));

    public JobView? GetJob(string id) => Views((_jobById, [Dialect.Parameter("id", id)])).FirstOrDefault();

    public IReadOnlyList<JobView> QueryJobs(JobQuery query) => Views(StoreSql.Jobs(_jobViewSelect, query, Dialect));

    public IReadOnlyList<JobView> FindJobsByIdPrefix(string prefix, int max) =>
        Views(StoreSql.JobsByIdPrefix(_jobViewSelect, Dialect, prefix, max));

    public IReadOnlyList<JobView> FindJobsByRecipeHashPrefix(string prefix, int max) =>
        MostRecentFirst(Views(StoreSql.LatestJobsByRecipeHashPrefix(_jobViewSelect, Dialect, prefix, max)));

    public IReadOnlyList<JobView> FindJobsByPid(int pid, int max) => Views(StoreSql.JobsByPid(_jobViewSelect, Dialect, pid, max));

    public IReadOnlyList<BuildSummary> QueryBuilds(int limit, int offset = 0, BuildFilter? where = null) =>
        OnConnection(db => StoreSql.QueryBuilds(db, limit, offset, where));

    public BuildDetails? GetBuild(string idOrExternalId) => OnConnection(db => StoreSql.GetBuild(db, idOrExternalId));

    public IReadOnlyList<BuildRecord> FindBuildsByIdPrefix(string prefix, int max) =>
        OnConnection(db => StoreSql.FindBuildsByIdPrefix(db, prefix, max));

    public IReadOnlyList<IdNeighbours> FindIdNeighbours(IReadOnlyCollection<string> ids, IdTable table)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return ids.Count == 0 ? [] : OnConnection(db => StoreSql.FindIdNeighbours(db, ids, table));
    }

    public BuildRecord ImportBuild(BuildRecord build) => InTransaction(db => StoreSql.ImportBuild(db, build));

    public abstract StoreInfo Describe();

    public bool DiscardIfEmpty(string buildId) => InTransaction(db => StoreSql.DiscardIfEmpty(db, buildId));

    public int MarkInterrupted() => InTransaction(StoreSql.MarkInterrupted);

    public JobView? FindPreviousByStepKey(string stepKey, JobRecord before, bool succeededOnly = false) =>
        Views(StoreSql.PreviousByStepKey(_jobViewSelect, Dialect, stepKey, before, succeededOnly)).FirstOrDefault();

    public IReadOnlyList<JobView> FindJobsByRecipeHash(string recipeHash, RunResult? result, int max) =>
        Views(StoreSql.JobsByRecipeHash(_jobViewSelect, Dialect, recipeHash, result, max));

    public IReadOnlySet<string> FindFlakyRecipeHashes(IEnumerable<string> recipeHashes)
    {
        string[] hashes = StoreSql.DistinctRecipeHashes(recipeHashes);
        return hashes.Length == 0 ? new HashSet<string>() : OnConnection(db => StoreSql.FindFlakyRecipeHashes(db, hashes));
    }

    public BuildRecord? FindPreviousBuildSharingProject(string buildId)
    {
        ArgumentException.ThrowIfNullOrEmpty(buildId);
        return OnConnection(db => StoreSql.FindPreviousBuildSharingProject(db, buildId));
    }

    public virtual RetentionChange ApplyRetention(
        IReadOnlyCollection<string> clearLogJobIds, IReadOnlyCollection<string> deleteJobIds, DateTimeOffset emptyBuildsBefore) =>
        InTransaction(db => StoreSql.ApplyRetention(db, clearLogJobIds, deleteJobIds, emptyBuildsBefore));

    public IReadOnlySet<string> ReferencedLocalPaths() => OnConnection(StoreSql.ReferencedLocalPaths);

    public IReadOnlySet<string> BuildIds() => OnConnection(StoreSql.BuildIds);

    public abstract long Compact(bool allowFullVacuum, int? maxPages = null);

    public BuildRecord RecordWholeBuild(
        BuildRecord build, IReadOnlyList<ProjectRequest> projects, IReadOnlyList<(int ProjectIndex, JobRecord Job)> jobs) =>
        InTransaction(db => StoreSql.RecordWholeBuild(db, build, projects, jobs, StoreWholeLog));

    public abstract void Dispose();

    /// <summary>Runs <paramref name="read"/> on a connection of this store, its failures mapped to our codes.</summary>
    private protected abstract T OnConnection<T>(Func<StoreCommands, T> read);

    /// <summary>Runs <paramref name="write"/> in one write transaction, committed when it returns.</summary>
    private protected abstract T InTransaction<T>(Func<StoreCommands, T> write);

    /// <summary>The rows of a job view select (from the one this store was made with) as views.</summary>
    private protected abstract List<JobView> ReadJobViews(DbDataReader reader);

    /// <summary>Keeps the log of a job of a whole recorded build where the store holds logs (the server store).</summary>
    private protected virtual void StoreWholeLog(StoreCommands db, JobRecord job)
    {
    }

    /// <summary>The views a shared statement (<see cref="StoreSql"/>) selects.</summary>
    private List<JobView> Views((string Sql, (string, object?)[] Parameters) statement) => OnConnection(db =>
    {
        using DbCommand command = db.CommandWithProviderNames(statement.Sql, statement.Parameters);
        using DbDataReader reader = command.ExecuteReader();
        return ReadJobViews(reader);
    });
}
