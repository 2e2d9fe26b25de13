using System.Globalization;
using BenchmarkDotNet.Attributes;
using BriocheJob.Jobs;
using BriocheJob.Store;
using Microsoft.Data.Sqlite;
using static Benchmarks.SeedSql;

namespace Benchmarks;

/// <summary>
/// Selector lookups and the first page of <c>list</c> against a store of one million jobs.
/// Target: each lookup under 1 ms in-process. The store is made once and kept (see <see cref="BenchStoreCache"/>).
/// </summary>
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private const int JobCount = 1_000_000;
    private const int JobsPerBuild = 200;
    private const int ProjectsPerBuild = 4;

    private SqliteJobStore _store = null!;
    private JobSelectorResolver _resolver = null!;
    private string _idPrefix = "";
    private string _recipePrefix = "";
    private string _pid = "";

    [GlobalSetup]
    public void Setup()
    {
        (string databasePath, string probeId, string probeRecipe, int probePid) = EnsureStore();
        var probe = (id: probeId, recipe: probeRecipe, pid: probePid);
        Console.WriteLine($"// SQLite store: {BenchStoreCache.Size(databasePath)}");

        _store = SqliteJobStore.Open(databasePath);
        _resolver = new JobSelectorResolver(_store, _ => false);
        _idPrefix = probe.id[..16];
        _recipePrefix = probe.recipe[..12];
        _pid = probe.pid.ToString(CultureInfo.InvariantCulture);

        // Fail fast if a lookup does not find what the benchmark means to measure.
        Check(_resolver.Resolve(_idPrefix).Job!.Job.Id == probe.id, "id prefix");
        Check(_resolver.Resolve(_recipePrefix).Job!.Job.RecipeHash == probe.recipe, "recipe prefix");
        Check(_resolver.Resolve(_pid).Job!.Job.Pid == probe.pid, "pid");
        Check(_store.QueryJobs(new JobQuery(Limit: 20)).Count == 20, "list");
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    /// <summary>The million-job SQLite store, made once (see <see cref="BenchStoreCache"/>).</summary>
    public static (string Path, string Id, string Recipe, int Pid) EnsureStore() =>
        BenchStoreCache.Ensure("jobs-1m.db", file =>
        {
            SqliteJobStore.Open(file).Dispose();
            (string id, string recipe, int pid) = BulkInsert(file);
            // Back out of WAL, so the one file is the whole store and can be moved into the cache.
            using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
            connection.Open();
            using SqliteCommand vacuum = connection.CreateCommand();
            vacuum.CommandText = "PRAGMA journal_mode = DELETE;";
            vacuum.ExecuteNonQuery();
            return (id, recipe, pid);
        });

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

    /// <summary>
    /// Writes builds, projects and jobs in one transaction with prepared commands; returns one job from the middle
    /// (its id, recipe hash and pid) to look up.
    /// </summary>
    private static (string Id, string Recipe, int Pid) BulkInsert(string databasePath)
    {
        var random = new Random(20250301);
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        // Bulk-load settings for this connection only: the store reopens the file in WAL mode afterwards.
        using (SqliteCommand pragmas = connection.CreateCommand())
        {
            pragmas.CommandText = "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA cache_size = -400000;";
            pragmas.ExecuteNonQuery();
        }

        // The store's indexes are dropped for the load and recreated from their own SQL after it
        // (one sort per index beats a million random-order index inserts).
        var indexes = new List<(string Name, string Sql)>();
        using (SqliteCommand list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL;";
            using SqliteDataReader reader = list.ExecuteReader();
            while (reader.Read())
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach ((string name, _) in indexes)
        {
            using SqliteCommand drop = connection.CreateCommand();
            drop.CommandText = $"DROP INDEX {name};";
            drop.ExecuteNonQuery();
        }

        using SqliteTransaction transaction = connection.BeginTransaction();

        using SqliteCommand build = Prepare(connection, transaction,
            "INSERT INTO builds (id, origin, owner_pid, started_at, stopped_at, state, result) " +
            "VALUES ($id, 'msbuild', 1, $started, $stopped, 'finished', $result);",
            "$id", "$started", "$stopped", "$result");
        using SqliteCommand project = Prepare(connection, transaction,
            "INSERT INTO build_projects (id, build_id, kind, name, local_project_path) VALUES ($id, $build, $kind, $name, $path);",
            "$id", "$build", "$kind", "$name", "$path");
        using SqliteCommand job = Prepare(connection, transaction,
            "INSERT INTO jobs (id, build_projects_id, kind, name, started_at, stopped_at, state, result, exit_code, " +
            "recipe_hash, pid, owner_pid) VALUES ($id, $project, $kind, $name, $started, $stopped, 'finished', $result, " +
            "$exit, $recipe, $pid, 1);",
            "$id", "$project", "$kind", "$name", "$started", "$stopped", "$result", "$exit", "$recipe", "$pid");

        (string, string, int) probe = default;
        long projectId = 0;
        Span<byte> hashBytes = stackalloc byte[32];
        for (int i = 0; i < JobCount; i++)
        {
            DateTimeOffset started = start.AddMilliseconds(i * 750L);
            if (i % JobsPerBuild == 0)
            {
                string buildId = Ulid.NewUlid(started);
                Run(build, buildId, started.ToUnixTimeMilliseconds(), started.AddMinutes(3).ToUnixTimeMilliseconds(),
                    i % (JobsPerBuild * 5) == 0 ? "failed" : "succeeded");
                for (int p = 0; p < ProjectsPerBuild; p++)
                {
                    Run(project, ++projectId, buildId, p % 2 == 0 ? "docker" : "brioche", $"project-{p}", $"/src/p{p}/p.csproj");
                }
            }

            // A recipe runs about four times on average; one job in ten fails.
            int recipeNumber = random.Next(JobCount / 4);
            new Random(recipeNumber).NextBytes(hashBytes);
            string recipe = Convert.ToHexStringLower(hashBytes);
            int jobPid = random.Next(300, 4_000_000);
            bool failed = random.Next(10) == 0;
            string id = Ulid.NewUlid(started);
            Run(job, id, projectId - random.Next(ProjectsPerBuild), i % 2 == 0 ? "docker" : "brioche", $"step {i}",
                started.ToUnixTimeMilliseconds(), started.AddMilliseconds(500).ToUnixTimeMilliseconds(),
                failed ? "failed" : "succeeded", failed ? 1 : 0, recipe, jobPid);
            if (i == JobCount / 2)
            {
                probe = (id, recipe, jobPid);
            }
        }

        foreach ((_, string sql) in indexes)
        {
            using SqliteCommand create = connection.CreateCommand();
            create.Transaction = transaction;
            create.CommandText = sql;
            create.ExecuteNonQuery();
        }

        transaction.Commit();
        return probe;
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"benchmark setup: the {what} lookup did not find the probe job");
        }
    }
}
