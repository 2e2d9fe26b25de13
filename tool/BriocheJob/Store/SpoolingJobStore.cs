using BriocheJob.Diagnostics;
using BriocheJob.Zstd;

namespace BriocheJob.Store;

/// <summary>
/// The server store as recorders use it: when the server is down at the start, or stops answering mid-build, the
/// build goes on into the local spool (<c>&lt;home&gt;/spool.db</c>, a SQLite store) with one
/// <see cref="Catalog.Server.RecordedToSpool"/> warning. Builds and projects already on the server are re-created in the
/// spool under the same build ids, so a later flush (<see cref="JobStores.Flush"/>, the next run or <c>store flush</c>)
/// joins them up again. Project ids handed out by the spool are negative, so they never collide with the server's.
/// </summary>
internal sealed class SpoolingJobStore : IJobStore
{
    private readonly DataHome _home;
    private readonly StoreLocation _location;
    private readonly Action<string, string> _warn;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, BuildRecord> _builds = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<long, (string BuildId, ProjectRequest Request)> _serverProjects = [];
    private readonly Dictionary<long, long> _spoolIdOfServerProject = [];
    private readonly Dictionary<string, LiveLogUpload> _liveLogs = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _logGate = new();
    private Timer? _logTimer;
    private PostgresJobStore? _server;
    private SqliteJobStore? _spool;

    private SpoolingJobStore(StoreLocation location, DataHome home, Action<string, string> warn)
    {
        _location = location;
        _home = home;
        _warn = warn;
    }

    /// <summary>How often the logs of running jobs are sent to the server.</summary>
    public static TimeSpan LiveLogInterval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>True once this store records into the spool.</summary>
    public bool Spooling => _spool is not null;

    public static SpoolingJobStore Open(StoreLocation location, DataHome home, Action<string, string> warn)
    {
        var store = new SpoolingJobStore(location, home, warn);
        try
        {
            store._server = PostgresJobStore.Open(location);
            JobStores.Flush(home, store._server);
        }
        catch (BriocheJobException ex) when (ex.Code == Catalog.Server.Unreachable)
        {
            store.SwitchToSpool(ex);
        }

        return store;
    }

    public BuildRecord BeginBuild(BuildRequest request) => Do(
        s => Remember(s.BeginBuild(request)),
        s => Remember(s.BeginBuild(request)));

    public BuildRecord FinishBuild(string buildId, RunState state, RunResult? result, DateTimeOffset? stoppedAt = null) => Do(
        s => Remember(s.FinishBuild(buildId, state, result, stoppedAt)),
        s => Remember(s.FinishBuild(buildId, state, result, stoppedAt)));

    public ProjectRecord AddProject(string buildId, ProjectRequest project) => Do(
        s =>
        {
            ProjectRecord added = s.AddProject(buildId, project);
            lock (_gate)
            {
                _serverProjects[added.Id] = (added.BuildId, project);
            }

            return added;
        },
        s =>
        {
            ProjectRecord added = s.AddProject(buildId, project);
            return added with { Id = -added.Id };
        });

    public void SaveJob(JobRecord job) => SaveJobs([job]);

    public void SaveJobs(IEnumerable<JobRecord> jobs)
    {
        List<JobRecord> list = jobs.ToList();
        Do(s =>
        {
            s.SaveJobs(list);
            if (s is IJobLogStore logs)
            {
                TrackLogs(logs, list);
            }

            return 0;
        }, s =>
        {
            s.SaveJobs(list.Select(ToSpool));
            return 0;
        });
    }

    public bool JobExists(string id) => Do(s => s.JobExists(id), s => s.JobExists(id));

    public JobView? GetJob(string id) => Do(s => s.GetJob(id), s => s.GetJob(id));

    public IReadOnlyList<JobView> QueryJobs(JobQuery query) => Do(s => s.QueryJobs(query), s => s.QueryJobs(query));

    public IReadOnlyList<JobView> FindJobsByIdPrefix(string prefix, int max) =>
        Do(s => s.FindJobsByIdPrefix(prefix, max), s => s.FindJobsByIdPrefix(prefix, max));

    public IReadOnlyList<JobView> FindJobsByRecipeHashPrefix(string prefix, int max) =>
        Do(s => s.FindJobsByRecipeHashPrefix(prefix, max), s => s.FindJobsByRecipeHashPrefix(prefix, max));

    public IReadOnlyList<JobView> FindJobsByPid(int pid, int max) => Do(s => s.FindJobsByPid(pid, max), s => s.FindJobsByPid(pid, max));

    public SelectorMatches FindSelectorMatches(SelectorLookup lookup) =>
        Do(s => s.FindSelectorMatches(lookup), s => ((IJobStore)s).FindSelectorMatches(lookup));

    public IReadOnlyList<BuildSummary> QueryBuilds(int limit, int offset = 0, BuildFilter? where = null) =>
        Do(s => s.QueryBuilds(limit, offset, where), s => s.QueryBuilds(limit, offset, where));

    public JobView? FindPreviousByStepKey(string stepKey, JobRecord before, bool succeededOnly = false) =>
        Do(s => s.FindPreviousByStepKey(stepKey, before, succeededOnly), s => s.FindPreviousByStepKey(stepKey, before, succeededOnly));

    public IReadOnlyList<JobView> FindJobsByRecipeHash(string recipeHash, RunResult? result, int max) =>
        Do(s => s.FindJobsByRecipeHash(recipeHash, result, max), s => s.FindJobsByRecipeHash(recipeHash, result, max));

    public IReadOnlySet<string> FindFlakyRecipeHashes(IEnumerable<string> recipeHashes)
    {
        string[] hashes = [.. recipeHashes];
        return Do(s => s.FindFlakyRecipeHashes(hashes), s => s.FindFlakyRecipeHashes(hashes));
    }

    public BuildRecord? FindPreviousBuildSharingProject(string buildId) =>
        Do(s => s.FindPreviousBuildSharingProject(buildId), s => s.FindPreviousBuildSharingProject(buildId));

    public BuildDetails? GetBuild(string idOrExternalId) => Do(s => s.GetBuild(idOrExternalId), s => s.GetBuild(idOrExternalId));

    public IReadOnlyList<BuildRecord> FindBuildsByIdPrefix(string prefix, int max) =>
        Do(s => s.FindBuildsByIdPrefix(prefix, max), s => s.FindBuildsByIdPrefix(prefix, max));

    public IReadOnlyList<IdNeighbours> FindIdNeighbours(IReadOnlyCollection<string> ids, IdTable table) =>
        Do(s => s.FindIdNeighbours(ids, table), s => s.FindIdNeighbours(ids, table));

    public BuildRecord ImportBuild(BuildRecord build) => Do(s => Remember(s.ImportBuild(build)), s => Remember(s.ImportBuild(build)));

    public bool DiscardIfEmpty(string buildId) => Do(s => s.DiscardIfEmpty(buildId), s => s.DiscardIfEmpty(buildId));

    public StoreInfo Describe() => Do(s => s.Describe(), s => s.Describe());

    public int MarkInterrupted() => Do(s => s.MarkInterrupted(), s => s.MarkInterrupted());

    /// <summary>The server store while it answers (for logs); null once spooling.</summary>
    public IJobLogStore? LogStore => _spool is null ? _server : null;

    public void Dispose()
    {
        lock (_logGate)
        {
            _logTimer?.Dispose();
            _logTimer = null;
            _liveLogs.Clear();
        }

        _server?.Dispose();
        _spool?.Dispose();
    }

    private T Do<T>(Func<IJobStore, T> onServer, Func<SqliteJobStore, T> onSpool)
    {
        if (_spool is null && _server is not null)
        {
            try
            {
                return onServer(_server);
            }
            catch (BriocheJobException ex) when (ex.Code == Catalog.Server.Unreachable)
            {
                SwitchToSpool(ex);
            }
        }

        return onSpool(_spool!);
    }

    /// <summary>
    /// A running job's log is sent while it grows (every <see cref="LiveLogInterval"/>), so <c>logs --follow</c> on
    /// another machine sees its lines; a finished job's events file goes whole, and its log is marked complete.
    /// </summary>
    private void TrackLogs(IJobLogStore logs, List<JobRecord> jobs)
    {
        lock (_logGate)
        {
            foreach (JobRecord job in jobs)
            {
                if (job.LocalPath is not { } path)
                {
                    continue;
                }

                if (job.State == RunState.Running)
                {
                    _liveLogs.TryAdd(job.Id, new LiveLogUpload(logs, job.Id, path));
                    _logTimer ??= new Timer(_ => SendLiveLogs(), null, LiveLogInterval, LiveLogInterval);
                }
                else
                {
                    _liveLogs.Remove(job.Id);
                    LogFrames.Upload(logs, job.Id, path, complete: true);
                }
            }
        }
    }

    private void SendLiveLogs()
    {
        lock (_logGate)
        {
            foreach (LiveLogUpload upload in _liveLogs.Values.ToList())
            {
                try
                {
                    upload.Send();
                }
                catch (Exception ex) when (ex is BriocheJobException or IOException or UnauthorizedAccessException or ObjectDisposedException
                    or InvalidOperationException or ZstdDataException)
                {
                    // A live upload is a courtesy to followers: the job's last save sends the whole log anyway.
                }
            }
        }
    }

    private BuildRecord Remember(BuildRecord build)
    {
        lock (_gate)
        {
            _builds[build.Id] = build;
        }

        return build;
    }

    private void SwitchToSpool(BriocheJobException why)
    {
        lock (_gate)
        {
            if (_spool is not null)
            {
                return;
            }

            _home.EnsureCreated();
            _spool = SqliteJobStore.Open(JobStores.SpoolPath(_home));
            foreach (BuildRecord build in _builds.Values)
            {
                _spool.ImportBuild(build);
            }

            foreach ((long serverId, (string buildId, ProjectRequest request)) in _serverProjects)
            {
                _spoolIdOfServerProject[serverId] = _spool.AddProject(buildId, request).Id;
            }
        }

        _server?.Dispose();
        _server = null;
        _warn(Catalog.Server.RecordedToSpool, Catalog.Server.RecordedToSpool.Message(_location.Display, why.Message, JobStores.SpoolPath(_home)));
    }

    private JobRecord ToSpool(JobRecord job) => job.BuildProjectId switch
    {
        null => job,
        < 0 and var own => job with { BuildProjectId = -own },
        { } serverId => job with
        {
            BuildProjectId = _spoolIdOfServerProject.TryGetValue(serverId, out long mapped)
                ? mapped
                : throw Catalog.Store.UnknownReference.Exception(),
        },
    };
}
