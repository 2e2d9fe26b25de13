using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BriocheJob.Jobs;
using BriocheJob.Store;
using Npgsql;

namespace Benchmarks;

/// <summary>
/// Selector lookups and the first page of <c>list</c> against one million jobs in PostgreSQL on loopback (the test
/// cluster of eng/postgres.sh), and the recording overhead of one job (saved running, then finished).
/// Targets: each lookup under 2 ms, <c>list</c> under 5 ms, recording under 20 ms per job.
/// The data is generated in the server (INSERT … SELECT generate_series, indexes built after) into the database
/// <c>brioche_job_bench</c>, and kept: a second run reuses it.
/// </summary>
[MemoryDiagnoser]
public class PostgresStoreBenchmarks
{
    private const int JobCount = 1_000_000;
    private const string Database = "brioche_job_bench_v2";

    private PostgresJobStore _store = null!;
    private JobSelectorResolver _resolver = null!;
    private string _idPrefix = "";
    private string _recipePrefix = "";
    private string _pid = "";
    private long _projectId;
    private int _sequence;

    private static string Server => Environment.GetEnvironmentVariable("BRIOCHE_JOB_BENCH_PG") is { Length: > 0 } s
        ? s
        : "Host=127.0.0.1;Port=54329;Username=postgres;Password=brioche-test";

    [GlobalSetup]
    public void Setup()
    {
        using (var admin = new NpgsqlConnection(Server + ";Database=postgres"))
        {
            admin.Open();
            using var exists = new NpgsqlCommand($"SELECT 1 FROM pg_database WHERE datname = '{Database}'", admin);
            if (exists.ExecuteScalar() is null)
            {
                using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", admin);
                create.ExecuteNonQuery();
            }
        }

        var location = StoreLocation.Parse(Server + $";Database={Database}");
        _store = PostgresJobStore.Open(location);
        if (_store.Describe().Jobs < JobCount)
        {
            var stopwatch = Stopwatch.StartNew();
            Generate(Server + $";Database={Database}");
            Console.WriteLine($"// generated {JobCount:N0} jobs in {stopwatch.Elapsed.TotalSeconds:F1} s");
        }

        _resolver = new JobSelectorResolver(_store, _ => false);
        using (var connection = new NpgsqlConnection(Server + $";Database={Database}"))
        {
            connection.Open();
            // The last run's RecordOneJob rows were deleted: their dead index entries sit at the end of the id index,
            // where the planner probes for a prefix past the newest id (what autovacuum clears on a live server).
            using (var vacuum = new NpgsqlCommand("VACUUM (ANALYZE) jobs", connection) { CommandTimeout = 600 })
            {
                vacuum.ExecuteNonQuery();
            }

            using var probe = new NpgsqlCommand("SELECT id, recipe_hash, pid, build_projects_id FROM jobs WHERE id = '01BENCH' || upper(substr(md5('500000'), 1, 19))", connection);
            using NpgsqlDataReader reader = probe.ExecuteReader();
            reader.Read();
            string id = reader.GetString(0);
            _idPrefix = id[..16].ToLowerInvariant();
            _recipePrefix = reader.GetString(1)[..12].ToUpperInvariant();
            _pid = reader.GetInt32(2).ToString(CultureInfo.InvariantCulture);
            _projectId = reader.GetInt64(3);
        }

        Check(_resolver.Resolve(_idPrefix).Job is not null, "id prefix");
        Check(_resolver.Resolve(_recipePrefix).Job is not null, "recipe prefix");
        Check(_resolver.Resolve(_pid).Job is not null, "pid");
        Check(_store.QueryJobs(new JobQuery(Limit: 20)).Count == 20, "list");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        using (var connection = new NpgsqlConnection(Server + $";Database={Database}"))
        {
            connection.Open();
            using var delete = new NpgsqlCommand("DELETE FROM jobs WHERE id LIKE 'REC%'", connection);
            delete.ExecuteNonQuery();
        }

        _store.Dispose();
    }

    [Benchmark]
    public JobView? IdPrefix() => _resolver.Resolve(_idPrefix).Job;

    [Benchmark]
    public JobView? MostRecentFailed() => _resolver.Resolve("-1").Job;

    [Benchmark]
    public JobView? FiftiethMostRecentFailed() => _resolver.Resolve("-50").Job;

    [Benchmark]
    public JobView? RecipePrefix() => _resolver.Resolve(_recipePrefix).Job;

    [Benchmark]
    public JobView? Pid() => _resolver.Resolve(_pid).Job;

    [Benchmark]
    public int ListFirst20() => _store.QueryJobs(new JobQuery(Limit: 20)).Count;

    [Benchmark]
    public int ListFailedFirst20() => _store.QueryJobs(new JobQuery(FailedOnly: true, Limit: 20)).Count;

    /// <summary>One job recorded as the recorders do: saved when it starts and again when it ends.</summary>
    [Benchmark]
    public void RecordOneJob()
    {
        var started = DateTimeOffset.UtcNow;
        var job = new JobRecord($"REC{Environment.ProcessId}X{_sequence++}", _projectId, JobKind.Docker, "RUN make", started);
        _store.SaveJob(job);
        _store.SaveJob(job with { StoppedAt = started.AddMilliseconds(5), State = RunState.Finished, Result = RunResult.Succeeded });
    }

    /// <summary>Builds of 200 jobs in 4 projects, one job in ten failed, a recipe run about four times on average.</summary>
    private static void Generate(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        string[] statements =
        [
            "TRUNCATE jobs, build_projects, builds, job_logs, job_log_frames",
            "DROP INDEX IF EXISTS jobs_by_started, jobs_by_result, jobs_by_recipe_hash, jobs_by_pid, jobs_by_project, jobs_running",
            $"""
            INSERT INTO builds (id, origin, owner_pid, owner_host, started_at, stopped_at, state, result)
            SELECT '01BUILD' || lpad(b::text, 19, '0'), 'msbuild', 1, 'bench', 1704067200000 + b * 150000::bigint,
                   1704067200000 + b * 150000::bigint + 180000, 'finished', CASE WHEN b % 5 = 0 THEN 'failed' ELSE 'succeeded' END
            FROM generate_series(0, {JobCount / 200 - 1}) b
            """,
            $"""
            INSERT INTO build_projects (id, build_id, kind, name, local_project_path)
            SELECT b * 4 + p + 1, '01BUILD' || lpad(b::text, 19, '0'), CASE WHEN p % 2 = 0 THEN 'docker' ELSE 'brioche' END,
                   'project-' || p, '/src/p' || p || '/p.csproj'
            FROM generate_series(0, {JobCount / 200 - 1}) b, generate_series(0, 3) p
            """,
            "SELECT setval(pg_get_serial_sequence('build_projects', 'id'), (SELECT max(id) FROM build_projects))",
            $"""
            INSERT INTO jobs (id, build_projects_id, kind, name, started_at, stopped_at, state, result, exit_code, recipe_hash, pid, owner_pid, owner_host)
            SELECT '01BENCH' || upper(substr(md5(i::text), 1, 19)), (i / 200) * 4 + (hashint4(i) & 3) + 1,
                   CASE WHEN i % 2 = 0 THEN 'docker' ELSE 'brioche' END, 'step ' || i,
                   1704067200000 + i * 750::bigint, 1704067200000 + i * 750::bigint + 500, 'finished',
                   CASE WHEN abs(hashint4(i + 7)) % 10 = 0 THEN 'failed' ELSE 'succeeded' END,
                   CASE WHEN abs(hashint4(i + 7)) % 10 = 0 THEN 1 ELSE 0 END,
                   md5((abs(hashint4(i)) % {JobCount / 4})::text) || md5('r' || (abs(hashint4(i)) % {JobCount / 4})::text),
                   300 + abs(hashint4(i + 3)) % 4000000, 1, 'bench'
            FROM generate_series(0, {JobCount - 1}) i
            """,
            PostgresSchema.Migrations.All[1].Sql.Replace("CREATE INDEX build_projects_by_build", "CREATE INDEX IF NOT EXISTS build_projects_by_build")
                .Replace("CREATE INDEX builds_by_started", "CREATE INDEX IF NOT EXISTS builds_by_started"),
            "ANALYZE",
        ];
        foreach (string sql in statements)
        {
            using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
            command.ExecuteNonQuery();
        }
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"the {what} lookup found nothing");
        }
    }
}
