using System.Diagnostics;
using System.Runtime.Versioning;
using BriocheJob.Diagnostics;
using BriocheJob.Store;
using Microsoft.Data.Sqlite;

namespace BriocheJob.Tests.Store;

public sealed class SqliteJobStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);
    private readonly TempHome _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Creates_schema_at_current_version_in_wal_mode()
    {
        using SqliteJobStore store = _temp.Open();

        store.SchemaVersion.ShouldBe(SqliteSchema.CurrentVersion);
        store.JournalMode.ShouldBe("wal");
        TableNames(_temp.Home.DatabasePath).ShouldBe(["build_projects", "builds", "jobs"], ignoreOrder: true);
        IndexNames(_temp.Home.DatabasePath).ShouldContain("jobs_by_recipe_hash");
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Files_and_folders_are_private_whatever_the_umask()
    {
        using SqliteJobStore store = _temp.Open();
        store.BeginBuild(new BuildRequest(BuildOrigin.Cli));
        string jobFolder = _temp.Home.EnsureJobDirectory("01JD0000000000000000000001");

        File.GetUnixFileMode(_temp.Home.Root).ShouldBe(DataHome.FolderMode);
        File.GetUnixFileMode(_temp.Home.JobsRoot).ShouldBe(DataHome.FolderMode);
        File.GetUnixFileMode(jobFolder).ShouldBe(DataHome.FolderMode);
        foreach (string suffix in new[] { "", "-wal", "-shm" })
        {
            string file = _temp.Home.DatabasePath + suffix;
            File.Exists(file).ShouldBeTrue(file);
            File.GetUnixFileMode(file).ShouldBe(DataHome.FileMode, file);
        }
    }

    [Fact]
    public void Migrates_a_hand_made_v1_database_keeping_its_rows()
    {
        Directory.CreateDirectory(_temp.Home.Root);
        using (var connection = new SqliteConnection($"Data Source={_temp.Home.DatabasePath};Pooling=False"))
        {
            connection.Open();
            Exec(connection, SqliteSchema.Migrations.All[0].Sql);
            Exec(connection,
                "INSERT INTO builds (id, origin, started_at, state, result) VALUES ('B1', 'cli', 1000, 'finished', 'failed');" +
                "INSERT INTO build_projects (id, build_id, kind, name) VALUES (7, 'B1', 'docker', 'web');" +
                "INSERT INTO jobs (id, build_projects_id, kind, started_at, stopped_at, state, result, pid) " +
                "VALUES ('J1', 7, 'docker', 2000, 2500, 'finished', 'failed', 4242);" +
                "PRAGMA user_version = 1;");
        }

        using SqliteJobStore store = _temp.Open();

        store.SchemaVersion.ShouldBe(SqliteSchema.CurrentVersion);
        IndexNames(_temp.Home.DatabasePath).ShouldContain("jobs_by_pid");
        JobView job = store.FindJobsByPid(4242, 5).ShouldHaveSingleItem();
        job.Job.Id.ShouldBe("J1");
        job.Job.Duration.ShouldBe(TimeSpan.FromMilliseconds(500));
        job.Project!.Name.ShouldBe("web");
        job.Build!.Result.ShouldBe(RunResult.Failed);
    }

    [Fact]
    public void Migrates_an_empty_v0_database()
    {
        Directory.CreateDirectory(_temp.Home.Root);
        using (var connection = new SqliteConnection($"Data Source={_temp.Home.DatabasePath};Pooling=False"))
        {
            connection.Open();
            Exec(connection, "CREATE TABLE unrelated (x); INSERT INTO unrelated VALUES (1);");
        }

        using SqliteJobStore store = _temp.Open();
        store.SchemaVersion.ShouldBe(SqliteSchema.CurrentVersion);
        TableNames(_temp.Home.DatabasePath).ShouldContain("jobs");
    }

    [Fact]
    public void Refuses_a_newer_database_and_leaves_its_bytes_alone()
    {
        Directory.CreateDirectory(_temp.Home.Root);
        using (var connection = new SqliteConnection($"Data Source={_temp.Home.DatabasePath};Pooling=False"))
        {
            connection.Open();
            Exec(connection, "CREATE TABLE future (x); PRAGMA user_version = 99;");
        }

        byte[] before = File.ReadAllBytes(_temp.Home.DatabasePath);

        var error = Should.Throw<BriocheJobException>(() => _temp.Open());

        error.Code.ShouldBe(Catalog.Store.DatabaseTooNew);
        error.Message.ShouldContain("99");
        error.Message.ShouldNotContain("\n");
        File.ReadAllBytes(_temp.Home.DatabasePath).ShouldBe(before);
        File.Exists(_temp.Home.DatabasePath + "-wal").ShouldBeFalse();
    }

    [Fact]
    public void Refuses_a_file_that_is_not_a_database()
    {
        Directory.CreateDirectory(_temp.Home.Root);
        File.WriteAllText(_temp.Home.DatabasePath, new string('x', 4096));

        var error = Should.Throw<BriocheJobException>(() => _temp.Open());

        error.Code.ShouldBe(Catalog.Store.DatabaseCorrupt);
        error.Kind.ShouldBe(ErrorKind.Corrupt);
    }


    [Fact]
    public void Parallel_writers_on_separate_connections_never_see_database_is_locked()
    {
        using (_temp.Open())
        {
        }

        const int Writers = 6;
        const int JobsPerWriter = 60;
        Parallel.For(0, Writers, new ParallelOptions { MaxDegreeOfParallelism = Writers }, writer =>
        {
            // Each writer is its own store and connection, as separate MSBuild node processes would be.
            using SqliteJobStore store = _temp.Open();
            BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "shared-ci-run"));
            ProjectRecord project = store.AddProject(build.Id, new ProjectRequest(JobKind.Docker, $"p{writer}"));
            for (int i = 0; i < JobsPerWriter; i++)
            {
                var job = new JobRecord(Ulid.NewUlid(), project.Id, JobKind.Docker, $"step {i}", DateTimeOffset.UtcNow);
                store.SaveJob(job);
                store.SaveJob(job with { State = RunState.Finished, Result = RunResult.Succeeded, StoppedAt = DateTimeOffset.UtcNow });
            }

            store.FinishBuild(build.Id, RunState.Finished, RunResult.Succeeded);
        });

        using SqliteJobStore check = _temp.Open();
        BuildSummary summary = check.QueryBuilds(10).ShouldHaveSingleItem();
        summary.JobCount.ShouldBe(Writers * JobsPerWriter);
        summary.ProjectCount.ShouldBe(Writers);
    }

    [Fact]
    public void Parallel_writers_in_separate_processes_record_every_job()
    {
        using (_temp.Open())
        {
        }

        // The other writers are Python's sqlite3 in child processes (re-running this test host is far heavier),
        // writing with BEGIN IMMEDIATE as the store does, while this process writes through the store.
        string python = FindOnPath("python3").ShouldNotBeNull("python3 is needed to write from other processes");

        const int Processes = 4;
        const int Rows = 100;
        string script = $$"""
            import sqlite3, sys, os
            db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
            for i in range({{Rows}}):
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO jobs (id, kind, started_at, state, owner_pid) VALUES (?, 'docker', ?, 'finished', ?)",
                           (f"P{sys.argv[2]}X{i}", i, os.getpid()))
                db.execute("COMMIT")
            """;
        var children = Enumerable.Range(0, Processes).Select(n =>
        {
            var info = new ProcessStartInfo(python) { RedirectStandardError = true };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(script);
            info.ArgumentList.Add(_temp.Home.DatabasePath);
            info.ArgumentList.Add(n.ToString());
            return Process.Start(info)!;
        }).ToList();

        // Write from this process at the same time.
        using (SqliteJobStore store = _temp.Open())
        {
            for (int i = 0; i < Rows; i++)
            {
                store.SaveJob(new JobRecord($"HOSTX{i}", null, JobKind.Docker, null, T0));
            }
        }

        foreach (Process child in children)
        {
            string errors = child.StandardError.ReadToEnd();
            child.WaitForExit();
            child.ExitCode.ShouldBe(0, errors);
            child.Dispose();
        }

        using SqliteJobStore check = _temp.Open();
        check.QueryJobs(new JobQuery(Limit: 10_000)).Count.ShouldBe((Processes + 1) * Rows);
    }

    internal static int StartAndReap()
    {
        using Process process = Process.Start(new ProcessStartInfo("true"))!;
        process.WaitForExit();
        ProcessLiveness.IsAlive(process.Id).ShouldBeFalse();
        return process.Id;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => System.IO.Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string[] Ids(IEnumerable<JobView> views) => views.Select(v => v.Job.Id).ToArray();

    private static void Exec(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<string> Strings(string databasePath, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        using SqliteDataReader reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static List<string> TableNames(string databasePath) =>
        Strings(databasePath, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'unrelated'");

    private static List<string> IndexNames(string databasePath) =>
        Strings(databasePath, "SELECT name FROM sqlite_master WHERE type = 'index'");

    private static string StoredState(string databasePath, string table, string id) =>
        Strings(databasePath, $"SELECT state FROM {table} WHERE id = '{id}'").Single();
}
