using BenchmarkDotNet.Attributes;
using BriocheJob.Store;
using Microsoft.Data.Sqlite;
using static Benchmarks.SeedSql;

namespace Benchmarks;

/// <summary>
/// The lookups of <see cref="JobLookupBenchmarks"/> against a SQLite store of <see cref="MillionJobs"/>.
/// Target: each lookup under 1 ms in-process. The store is made once and kept (see <see cref="BenchStoreCache"/>).
/// </summary>
[MemoryDiagnoser]
public class StoreBenchmarks : JobLookupBenchmarks
{
    private SqliteJobStore _store = null!;

    [GlobalSetup]
    public void Setup()
    {
        (string databasePath, string probeId, string probeRecipe, int probePid) = EnsureStore();
        Console.WriteLine($"// SQLite store: {BenchStoreCache.Size(databasePath)}");
        _store = SqliteJobStore.Open(databasePath);
        UseStore(_store, (probeId, probeRecipe, probePid), probeId[..16], probeRecipe[..12]);
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

    /// <summary>
    /// Writes builds, projects and jobs in one transaction with prepared commands; returns one job from the middle
    /// (its id, recipe hash and pid) to look up.
    /// </summary>
    private static (string Id, string Recipe, int Pid) BulkInsert(string databasePath)
    {
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
        foreach (SeedRow row in MillionJobs.Rows())
        {
            if (row.Build is { } b)
            {
                Run(build, b.Id, b.StartedAt, b.StoppedAt, b.Failed ? "failed" : "succeeded");
                foreach (SeedProject p in row.Projects)
                {
                    Run(project, p.Id, p.BuildId, p.Kind, p.Name, p.Path);
                }
            }

            SeedJob j = row.Job;
            Run(job, j.Id, j.ProjectId, j.Kind, j.Name, j.StartedAt, j.StoppedAt, j.Failed ? "failed" : "succeeded", j.Failed ? 1 : 0, j.Recipe, j.Pid);
            if (row.Index == MillionJobs.ProbeIndex)
            {
                probe = (j.Id, j.Recipe, j.Pid);
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
}
