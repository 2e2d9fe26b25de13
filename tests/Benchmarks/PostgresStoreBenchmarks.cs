using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BriocheJob.Jobs;
using BriocheJob.Store;
using Npgsql;

namespace Benchmarks;

/// <summary>
/// The lookups of <see cref="JobLookupBenchmarks"/> against <see cref="MillionJobs"/> in PostgreSQL on loopback (the
/// test cluster of eng/postgres.sh), and the recording overhead of one job (saved running, then finished).
/// Targets: each lookup under 2 ms, <c>list</c> under 5 ms, recording under 20 ms per job.
/// The data is generated in the server (INSERT … SELECT generate_series, indexes built after) into the database
/// <c>brioche_job_bench</c>, and kept: a second run reuses it.
/// </summary>
[MemoryDiagnoser]
public class PostgresStoreBenchmarks : JobLookupBenchmarks
{
    private const int JobCount = MillionJobs.JobCount;
    private const string Database = "brioche_job_bench_v2";

    private PostgresJobStore _store = null!;
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

        using (var connection = new NpgsqlConnection(Server + $";Database={Database}"))
        {
            connection.Open();
            // The last run's RecordOneJob rows were deleted: their dead index entries sit at the end of the id index,
            // where the planner probes for a prefix past the newest id (what autovacuum clears on a live server).
            using (var vacuum = new NpgsqlCommand("VACUUM (ANALYZE) jobs", connection) { CommandTimeout = 600 })
            {
                vacuum.ExecuteNonQuery();
            }

            using var probeQuery = new NpgsqlCommand($"SELECT id, recipe_hash, pid, build_projects_id FROM jobs WHERE id = '01BENCH' || upper(substr(md5('{MillionJobs.ProbeIndex}'), 1, 19))", connection);
            using NpgsqlDataReader reader = probeQuery.ExecuteReader();
            reader.Read();
            (string Id, string Recipe, int Pid) probe = (reader.GetString(0), reader.GetString(1), reader.GetInt32(2));
            _projectId = reader.GetInt64(3);
            // The prefixes in the other case than stored: the key columns' any-case lookups are what is measured.
            UseStore(_store, probe, probe.Id[..16].ToLowerInvariant(), probe.Recipe[..12].ToUpperInvariant());
        }
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

    /// <summary>One job recorded as the recorders do: saved when it starts and again when it ends.</summary>
    [Benchmark]
    public void RecordOneJob()
    {
        var started = DateTimeOffset.UtcNow;
        var job = new JobRecord($"REC{Environment.ProcessId}X{_sequence++}", _projectId, JobKind.Docker, "RUN make", started);
        _store.SaveJob(job);
        _store.SaveJob(job with { StoppedAt = started.AddMilliseconds(5), State = RunState.Finished, Result = RunResult.Succeeded });
    }

    /// <summary>
    /// The shape of <see cref="MillionJobs"/>, generated in the server (ids and hashes from md5, choices from hashint4;
    /// a job picks its project with a mask, so <see cref="MillionJobs.ProjectsPerBuild"/> stays a power of two).
    /// </summary>
    private static void Generate(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        long epoch = MillionJobs.Start.ToUnixTimeMilliseconds();
        const int BuildEvery = MillionJobs.JobsPerBuild * 750;
        string[] statements =
        [
            "TRUNCATE jobs, build_projects, builds, job_logs, job_log_frames",
            "DROP INDEX IF EXISTS jobs_by_started, jobs_by_result, jobs_by_recipe_hash, jobs_by_pid, jobs_by_project, jobs_running",
            $"""
            INSERT INTO builds (id, origin, owner_pid, owner_host, started_at, stopped_at, state, result)
            SELECT '01BUILD' || lpad(b::text, 19, '0'), 'msbuild', 1, 'bench', {epoch} + b * {BuildEvery}::bigint,
                   {epoch} + b * {BuildEvery}::bigint + 180000, 'finished', CASE WHEN b % {MillionJobs.FailedBuildOneIn} = 0 THEN 'failed' ELSE 'succeeded' END
            FROM generate_series(0, {JobCount / MillionJobs.JobsPerBuild - 1}) b
            """,
            $"""
            INSERT INTO build_projects (id, build_id, kind, name, local_project_path)
            SELECT b * {MillionJobs.ProjectsPerBuild} + p + 1, '01BUILD' || lpad(b::text, 19, '0'), CASE WHEN p % 2 = 0 THEN 'docker' ELSE 'brioche' END,
                   'project-' || p, '/src/p' || p || '/p.csproj'
            FROM generate_series(0, {JobCount / MillionJobs.JobsPerBuild - 1}) b, generate_series(0, {MillionJobs.ProjectsPerBuild - 1}) p
            """,
            "SELECT setval(pg_get_serial_sequence('build_projects', 'id'), (SELECT max(id) FROM build_projects))",
            $"""
            INSERT INTO jobs (id, build_projects_id, kind, name, started_at, stopped_at, state, result, exit_code, recipe_hash, pid, owner_pid, owner_host)
            SELECT '01BENCH' || upper(substr(md5(i::text), 1, 19)), (i / {MillionJobs.JobsPerBuild}) * {MillionJobs.ProjectsPerBuild} + (hashint4(i) & {MillionJobs.ProjectsPerBuild - 1}) + 1,
                   CASE WHEN i % 2 = 0 THEN 'docker' ELSE 'brioche' END, 'step ' || i,
                   {epoch} + i * 750::bigint, {epoch} + i * 750::bigint + 500, 'finished',
                   CASE WHEN abs(hashint4(i + 7)) % {MillionJobs.FailedJobOneIn} = 0 THEN 'failed' ELSE 'succeeded' END,
                   CASE WHEN abs(hashint4(i + 7)) % {MillionJobs.FailedJobOneIn} = 0 THEN 1 ELSE 0 END,
                   md5((abs(hashint4(i)) % {MillionJobs.RecipeCount})::text) || md5('r' || (abs(hashint4(i)) % {MillionJobs.RecipeCount})::text),
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
}
