using System.Data.Common;
using BriocheJob.Diagnostics;

namespace BriocheJob.Store;

/// <summary>
/// What every SQL store shares that is not SQL dialect: the column lists (both schemas use the same names and
/// order), building records from a row, and reporting a running record whose recorder is gone as interrupted.
/// Times are unix milliseconds in both stores.
/// </summary>
internal static class StoreRows
{
    /// <summary>Leaves out the jobs of the build that owns project <c>@project</c> (same SQL in both stores).</summary>
    public const string NotInBuildOfProject =
        " AND j.build_projects_id NOT IN (SELECT id FROM build_projects WHERE build_id = " +
        "(SELECT build_id FROM build_projects WHERE id = @project))";

    public const string JobColumns =
        "j.id, j.build_projects_id, j.kind, j.name, j.started_at, j.stopped_at, j.state, j.result, j.exit_code, " +
        "j.signal, j.message, j.cached, j.recipe_hash, j.recipe_meta, j.pid, j.owner_pid, j.local_path";

    public const string ProjectColumns =
        "p.id, p.build_id, p.kind, p.name, p.project_hash, p.local_project_path, p.registry_project_name";

    public const string BuildColumns =
        "b.id, b.external_id, b.origin, b.working_directory, b.owner_pid, b.started_at, b.stopped_at, b.state, b.result, " +
        "b.host, b.user_name, b.git_commit, b.git_branch, b.ci_system, b.ci_run_id, b.ci_run_url";

    /// <summary>How many columns <see cref="BuildColumns"/> has (what a query selects after them starts here).</summary>
    public const int BuildColumnCount = 16;

    public const string JobViewSelect =
        $"SELECT {JobColumns}, {ProjectColumns}, {BuildColumns} FROM jobs j " +
        "LEFT JOIN build_projects p ON p.id = j.build_projects_id LEFT JOIN builds b ON b.id = p.build_id";

    /// <summary>
    /// One build's jobs (<c>WHERE p.build_id = @build</c>): the job columns and the stored step key. The build and its
    /// projects are read once, not per row: a build of 10,000 jobs would otherwise read them 10,000 times.
    /// </summary>
    public const string BuildJobsSelect =
        $"SELECT {JobColumns}, j.step_key FROM jobs j JOIN build_projects p ON p.id = j.build_projects_id";

    /// <summary><see cref="BuildJobsSelect"/> and the job's <c>owner_host</c> after the step key (the server store).</summary>
    public const string BuildJobsSelectWithHost =
        $"SELECT {JobColumns}, j.step_key, j.owner_host FROM jobs j JOIN build_projects p ON p.id = j.build_projects_id";

    /// <summary>Where <see cref="BuildJobsSelect"/> has <c>j.step_key</c> (what a query selects after it starts at +1).</summary>
    public const int StepKeyOrdinal = 17;

    /// <summary>The job columns written by an insert, in <see cref="JobValues"/> order.</summary>
    public static readonly string[] JobInsertColumns =
    [
        "id", "build_projects_id", "kind", "name", "started_at", "stopped_at", "state", "result", "exit_code", "signal",
        "message", "cached", "recipe_hash", "recipe_meta", "pid", "owner_pid", "local_path",
    ];

    public const int ProjectOrdinal = 17;
    public const int BuildOrdinal = 24;

    public static long ToUnix(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromUnix(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    /// <summary>A job's column values in <see cref="JobInsertColumns"/> order (null for SQL NULL).</summary>
    public static object?[] JobValues(JobRecord job, bool cachedAsInteger) =>
    [
        job.Id, job.BuildProjectId, StoreText.Of(job.Kind), job.Name, ToUnix(job.StartedAt),
        job.StoppedAt is { } stopped ? ToUnix(stopped) : null, StoreText.Of(job.State),
        StoreText.Of(job.Result), job.ExitCode, job.Signal, job.Message, cachedAsInteger ? (job.Cached ? 1 : 0) : job.Cached,
        job.RecipeHash, job.RecipeMeta, job.Pid, job.OwnerPid ?? Environment.ProcessId, job.LocalPath,
    ];

    /// <summary>Reads the rows of a <see cref="JobViewSelect"/> query.</summary>
    public static List<JobView> ReadJobViews(DbDataReader reader)
    {
        var liveness = new Dictionary<int, bool>();
        var views = new List<JobView>();
        while (reader.Read())
        {
            views.Add(new JobView(
                ReadJob(reader, liveness),
                ReadProject(reader, ProjectOrdinal),
                ReadBuild(reader, BuildOrdinal, liveness)));
        }

        return views;
    }

    /// <summary>A row of <see cref="BuildJobsSelect"/> as a view, sharing the build's and its projects' records.</summary>
    public static JobView BuildJobView(DbDataReader r, JobRecord job, BuildRecord build, IReadOnlyDictionary<long, ProjectRecord> projects) =>
        new(job, job.BuildProjectId is { } project ? projects.GetValueOrDefault(project) : null, build)
        {
            StoredStepKey = NullableString(r, StepKeyOrdinal),
        };

    public static JobRecord ReadJob(DbDataReader r, Dictionary<int, bool> liveness)
    {
        int? ownerPid = NullableInt(r, 15);
        int? pid = NullableInt(r, 14);
        RunState state = StoreText.ParseState(r.GetString(6));
        if (state == RunState.Running && !IsRecorderAlive(ownerPid, pid, liveness))
        {
            state = RunState.Interrupted;
        }

        return new JobRecord(
            Id: r.GetString(0),
            BuildProjectId: r.IsDBNull(1) ? null : r.GetInt64(1),
            Kind: StoreText.ParseKind(r.GetString(2)),
            Name: NullableString(r, 3),
            StartedAt: FromUnix(r.GetInt64(4)),
            StoppedAt: r.IsDBNull(5) ? null : FromUnix(r.GetInt64(5)),
            State: state,
            Result: StoreText.ParseResult(NullableString(r, 7)),
            ExitCode: NullableInt(r, 8),
            Signal: NullableInt(r, 9),
            Message: NullableString(r, 10),
            Cached: r.GetValue(11) is bool cached ? cached : r.GetInt64(11) != 0,
            RecipeHash: NullableString(r, 12),
            RecipeMeta: NullableString(r, 13),
            Pid: pid,
            OwnerPid: ownerPid,
            LocalPath: NullableString(r, 16));
    }

    public static ProjectRecord? ReadProject(DbDataReader r, int at)
    {
        if (r.IsDBNull(at))
        {
            return null;
        }

        return new ProjectRecord(
            Id: r.GetInt64(at),
            BuildId: r.GetString(at + 1),
            Kind: StoreText.ParseKind(r.GetString(at + 2)),
            Name: NullableString(r, at + 3),
            ProjectHash: NullableString(r, at + 4),
            LocalProjectPath: NullableString(r, at + 5),
            RegistryProjectName: NullableString(r, at + 6));
    }

    public static BuildRecord? ReadBuild(DbDataReader r, int at, Dictionary<int, bool> liveness)
    {
        if (r.IsDBNull(at))
        {
            return null;
        }

        int? ownerPid = NullableInt(r, at + 4);
        RunState state = StoreText.ParseState(r.GetString(at + 7));
        if (state == RunState.Running && !IsRecorderAlive(ownerPid, null, liveness))
        {
            state = RunState.Interrupted;
        }

        return new BuildRecord(
            Id: r.GetString(at),
            ExternalId: NullableString(r, at + 1),
            Origin: StoreText.ParseOrigin(r.GetString(at + 2)),
            WorkingDirectory: NullableString(r, at + 3),
            OwnerPid: ownerPid,
            StartedAt: FromUnix(r.GetInt64(at + 5)),
            StoppedAt: r.IsDBNull(at + 6) ? null : FromUnix(r.GetInt64(at + 6)),
            State: state,
            Result: StoreText.ParseResult(NullableString(r, at + 8)),
            Provenance: ReadProvenance(r, at + 9));
    }

    /// <summary>The seven provenance columns from <paramref name="at"/>; null when the build has none of them.</summary>
    private static BuildProvenance? ReadProvenance(DbDataReader r, int at)
    {
        var where = new BuildProvenance(NullableString(r, at), NullableString(r, at + 1), NullableString(r, at + 2),
            NullableString(r, at + 3), NullableString(r, at + 4), NullableString(r, at + 5), NullableString(r, at + 6));
        return where == BuildProvenance.None ? null : where;
    }

    /// <summary>
    /// A running record is alive while its recorder (owner) process is; records without an owner fall back to the
    /// job's own process. With neither known, nothing can finish it any more.
    /// </summary>
    public static bool IsRecorderAlive(int? ownerPid, int? jobPid, Dictionary<int, bool> cache)
    {
        int? pid = ownerPid ?? jobPid;
        if (pid is not { } known)
        {
            return false;
        }

        if (!cache.TryGetValue(known, out bool alive))
        {
            alive = ProcessLiveness.IsAlive(known);
            cache[known] = alive;
        }

        return alive;
    }

    /// <summary>Checks what every store refuses before writing: an id that cannot key a record, a stop before the start.</summary>
    public static void Validate(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (string.IsNullOrEmpty(job.Id) || job.Id.Length > 128 ||
            !job.Id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_'))
        {
            throw Catalog.Store.InvalidId.Exception(job.Id);
        }

        if (job.StoppedAt is { } stopped && stopped < job.StartedAt)
        {
            throw Catalog.Store.InvalidRecord.Exception(job.Id, stopped, job.StartedAt);
        }
    }

    public static void ValidateExternalId(BuildRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ExternalId is { } external && string.IsNullOrWhiteSpace(external))
        {
            throw Catalog.Store.BlankExternalId.Exception();
        }
    }

    /// <summary>Orders views as every listing does: most recent first, ties by id.</summary>
    public static List<JobView> MostRecentFirst(IEnumerable<JobView> views) => views
        .OrderByDescending(v => v.Job.StartedAt)
        .ThenByDescending(v => v.Job.Id, StringComparer.OrdinalIgnoreCase)
        .ToList();

    public static BriocheJobException UnknownBuild(string buildId) =>
        Catalog.Store.NoSuchBuild.Exception(buildId);

    public static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>This machine's name, as the server store writes it to <c>owner_host</c>.</summary>
    public static string ThisHost => Environment.MachineName;

    /// <summary>A build row (<see cref="BuildColumns"/> from <paramref name="at"/>, its owner's host at <paramref name="hostOrdinal"/>).</summary>
    public static BuildRecord? ReadBuildOnHost(DbDataReader reader, int at, int hostOrdinal, Dictionary<int, bool> liveness) =>
        IsThisHost(reader, hostOrdinal)
            ? ReadBuild(reader, at, liveness)
            : ReadBuild(reader, at, AliveElsewhere(reader, at + 4, -1));

    /// <summary>A job row (<see cref="JobColumns"/> from 0, its owner's host at <paramref name="hostOrdinal"/>).</summary>
    public static JobRecord ReadJobOnHost(DbDataReader reader, int hostOrdinal, Dictionary<int, bool> liveness) =>
        IsThisHost(reader, hostOrdinal) ? ReadJob(reader, liveness) : ReadJob(reader, AliveElsewhere(reader, 15, 14));

    /// <summary>The owner runs here (or where is not known): only then can its liveness be checked.</summary>
    public static bool IsThisHost(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) || string.Equals(reader.GetString(ordinal), ThisHost, StringComparison.Ordinal);

    /// <summary>
    /// A liveness cache that says "alive" for the pids of this row, so its running state is kept: a recorder on
    /// another machine cannot be checked from here.
    /// </summary>
    public static Dictionary<int, bool> AliveElsewhere(DbDataReader reader, int ownerOrdinal, int pidOrdinal)
    {
        var cache = new Dictionary<int, bool>();
        foreach (int ordinal in (int[])[ownerOrdinal, pidOrdinal])
        {
            if (ordinal >= 0 && !reader.IsDBNull(ordinal))
            {
                cache[reader.GetInt32(ordinal)] = true;
            }
        }

        return cache;
    }

    /// <summary>The jobs to save, each checked (<see cref="Validate"/>) before anything is written.</summary>
    public static List<JobRecord> Validated(IEnumerable<JobRecord> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        List<JobRecord> list = jobs.ToList();
        foreach (JobRecord job in list)
        {
            Validate(job);
        }

        return list;
    }

    private static string? NullableString(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private static int? NullableInt(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetInt32(ordinal);
}
