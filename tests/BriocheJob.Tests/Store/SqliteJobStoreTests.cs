using System.Diagnostics;
using System.Runtime.Versioning;
using BriocheJob.Diagnostics;
using BriocheJob.Store;
using Microsoft.Data.Sqlite;

namespace BriocheJob.Tests.Store;

public sealed class SqliteJobStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);
    private readonly TempHome temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Creates_schema_at_current_version_in_wal_mode()
    {
        using SqliteJobStore store = temp.Open();

        store.SchemaVersion.ShouldBe(SqliteSchema.CurrentVersion);
        store.JournalMode.ShouldBe("wal");
        TableNames(temp.Home.DatabasePath).ShouldBe(["build_projects", "builds", "jobs"], ignoreOrder: true);
        IndexNames(temp.Home.DatabasePath).ShouldContain("jobs_by_recipe_hash");
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Files_and_folders_are_private_whatever_the_umask()
    {
        using SqliteJobStore store = temp.Open();
        store.BeginBuild(new BuildRequest(BuildOrigin.Cli));
        string jobFolder = temp.Home.EnsureJobDirectory("01JD0000000000000000000001");

        File.GetUnixFileMode(temp.Home.Root).ShouldBe(DataHome.FolderMode);
        File.GetUnixFileMode(temp.Home.JobsRoot).ShouldBe(DataHome.FolderMode);
        File.GetUnixFileMode(jobFolder).ShouldBe(DataHome.FolderMode);
        foreach (string suffix in new[] { "", "-wal", "-shm" })
        {
            string file = temp.Home.DatabasePath + suffix;
            File.Exists(file).ShouldBeTrue(file);
            File.GetUnixFileMode(file).ShouldBe(DataHome.FileMode, file);
        }
    }

    [Fact]
    public void Migrates_a_hand_made_v1_database_keeping_its_rows()
    {
        Directory.CreateDirectory(temp.Home.Root);
        using (var connection = new SqliteConnection($"Data Source={temp.Home.DatabasePath};Pooling=False"))
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

        using SqliteJobStore store = temp.Open();

        store.SchemaVersion.ShouldBe(SqliteSchema.CurrentVersion);
        IndexNames(temp.Home.DatabasePath).ShouldContain("jobs_by_pid");
        JobView job = store.FindJobsByPid(4242, 5).ShouldHaveSingleItem();
        job.Job.Id.ShouldBe("J1");
        job.Job.Duration.ShouldBe(TimeSpan.FromMilliseconds(500));
        job.Project!.Name.ShouldBe("web");
        job.Build!.Result.ShouldBe(RunResult.Failed);
    }

    [Fact]
    public void Migrates_an_empty_v0_database()
    {
        Directory.CreateDirectory(temp.Home.Root);
        using (var connection = new SqliteConnection($"Data Source={temp.Home.DatabasePath};Pooling=False"))
        {
            connection.Open();
            Exec(connection, "CREATE TABLE unrelated (x); INSERT INTO unrelated VALUES (1);");
        }

        using SqliteJobStore store = temp.Open();
        store.SchemaVersion.ShouldBe(SqliteSchema.CurrentVersion);
        TableNames(temp.Home.DatabasePath).ShouldContain("jobs");
    }

    [Fact]
    public void Refuses_a_newer_database_and_leaves_its_bytes_alone()
    {
        Directory.CreateDirectory(temp.Home.Root);
        using (var connection = new SqliteConnection($"Data Source={temp.Home.DatabasePath};Pooling=False"))
        {
            connection.Open();
            Exec(connection, "CREATE TABLE future (x); PRAGMA user_version = 99;");
        }

        byte[] before = File.ReadAllBytes(temp.Home.DatabasePath);

        var error = Should.Throw<BriocheJobException>(() => temp.Open());

        error.Code.ShouldBe(Catalog.Store.DatabaseTooNew);
        error.Message.ShouldContain("99");
        error.Message.ShouldNotContain("\n");
        File.ReadAllBytes(temp.Home.DatabasePath).ShouldBe(before);
        File.Exists(temp.Home.DatabasePath + "-wal").ShouldBeFalse();
    }

    [Fact]
    public void Refuses_a_file_that_is_not_a_database()
    {
        Directory.CreateDirectory(temp.Home.Root);
        File.WriteAllText(temp.Home.DatabasePath, new string('x', 4096));

        var error = Should.Throw<BriocheJobException>(() => temp.Open());

        error.Code.ShouldBe(Catalog.Store.DatabaseCorrupt);
        error.Kind.ShouldBe(ErrorKind.Corrupt);
    }

    [Fact]
    public void Jobs_round_trip_every_field_to_the_millisecond()
    {
        using SqliteJobStore store = temp.Open();
        BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, WorkingDirectory: "/src", StartedAt: T0));
        ProjectRecord project = store.AddProject(build.Id, new ProjectRequest(JobKind.Brioche, "hello", "abc123", "/src/project.bri", "hello-reg"));
        var job = new JobRecord(
            "01JD0000000000000000000001", project.Id, JobKind.Brioche, "process", T0.AddMilliseconds(1),
            StoppedAt: T0.AddSeconds(3).AddTicks(4), State: RunState.Finished, Result: RunResult.Failed, ExitCode: 2,
            Signal: 9, Message: "process failed", Cached: true, RecipeHash: new string('a', 64),
            RecipeMeta: """{"a":1}""", Pid: 12345, OwnerPid: Environment.ProcessId, LocalPath: "/tmp/x");

        store.SaveJob(job);
        JobView view = store.GetJob(job.Id.ToLowerInvariant()).ShouldNotBeNull();

        view.Job.ShouldBe(job with { StoppedAt = T0.AddSeconds(3) });
        view.Project.ShouldBe(project);
        view.Build!.Id.ShouldBe(build.Id);
        view.Build.StartedAt.ShouldBe(T0);
        view.Build.WorkingDirectory.ShouldBe("/src");
        store.JobExists(job.Id).ShouldBeTrue();
        store.JobExists("01JD0000000000000000000009").ShouldBeFalse();
    }

    [Fact]
    public void SaveJob_updates_in_place_by_id()
    {
        using SqliteJobStore store = temp.Open();
        var running = new JobRecord("J1", null, JobKind.Docker, "RUN make", T0);
        store.SaveJob(running);
        store.SaveJob(running with { State = RunState.Finished, Result = RunResult.Succeeded, StoppedAt = T0.AddSeconds(1) });

        JobView view = store.QueryJobs(new JobQuery()).ShouldHaveSingleItem();
        view.Job.Result.ShouldBe(RunResult.Succeeded);
        view.Job.State.ShouldBe(RunState.Finished);
        view.Job.OwnerPid.ShouldBe(Environment.ProcessId);
    }

    [Fact]
    public void Rejects_bad_records_without_writing_any_of_the_batch()
    {
        using SqliteJobStore store = temp.Open();
        var good = new JobRecord("J1", null, JobKind.Docker, null, T0);

        Should.Throw<BriocheJobException>(() => store.SaveJobs([good, good with { Id = "../x" }]))
            .Code.ShouldBe(Catalog.Store.InvalidId);
        Should.Throw<BriocheJobException>(() => store.SaveJobs([good, good with { Id = "J2", BuildProjectId = 999 }]))
            .Code.ShouldBe(Catalog.Store.UnknownReference);
        Should.Throw<BriocheJobException>(() => store.SaveJob(good with { StoppedAt = T0.AddSeconds(-1) }))
            .Code.ShouldBe(Catalog.Store.InvalidRecord);
        Should.Throw<BriocheJobException>(() => store.AddProject("nope", new ProjectRequest(JobKind.Docker)))
            .Code.ShouldBe(Catalog.Store.UnknownReference);

        store.JobExists("J1").ShouldBeFalse();
    }

    [Fact]
    public void External_build_id_reuses_the_build_and_failure_sticks()
    {
        using SqliteJobStore store = temp.Open();
        BuildRecord first = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "ci-77", StartedAt: T0));
        ProjectRecord web = store.AddProject(first.Id, new ProjectRequest(JobKind.Docker, "web", LocalProjectPath: "/a/Web.csproj"));
        store.FinishBuild(first.Id, RunState.Finished, RunResult.Failed, T0.AddSeconds(5));

        BuildRecord second = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "ci-77", StartedAt: T0.AddMinutes(1)));
        second.Id.ShouldBe(first.Id);
        second.StartedAt.ShouldBe(T0);
        second.State.ShouldBe(RunState.Running);
        ProjectRecord again = store.AddProject(second.Id, new ProjectRequest(JobKind.Docker, "web", LocalProjectPath: "/a/Web.csproj"));
        again.Id.ShouldBe(web.Id);
        store.AddProject(second.Id, new ProjectRequest(JobKind.Docker, "api")).Id.ShouldNotBe(web.Id);
        BuildRecord finished = store.FinishBuild(second.Id, RunState.Finished, RunResult.Succeeded, T0.AddSeconds(3));

        finished.Result.ShouldBe(RunResult.Failed);
        finished.StoppedAt.ShouldBe(T0.AddSeconds(5));
        store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "ci-78")).Id.ShouldNotBe(first.Id);
        store.GetBuild("ci-77")!.Projects.Count.ShouldBe(2);
        store.QueryBuilds(10).Count.ShouldBe(2);
    }

    [Fact]
    public void A_running_job_whose_recorder_died_reads_as_interrupted_and_can_be_persisted()
    {
        int deadPid = StartAndReap();
        using SqliteJobStore store = temp.Open();
        BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.Cli, OwnerPid: deadPid));
        ProjectRecord project = store.AddProject(build.Id, new ProjectRequest(JobKind.Brioche));
        store.SaveJob(new JobRecord("DEAD", project.Id, JobKind.Brioche, null, T0, Pid: deadPid, OwnerPid: deadPid));
        store.SaveJob(new JobRecord("ALIVE", project.Id, JobKind.Brioche, null, T0));
        store.SaveJob(new JobRecord("ORPHAN", null, JobKind.Brioche, null, T0, Pid: deadPid, OwnerPid: null));

        store.GetJob("DEAD")!.Job.State.ShouldBe(RunState.Interrupted);
        store.GetJob("DEAD")!.Build!.State.ShouldBe(RunState.Interrupted);
        store.GetJob("ALIVE")!.Job.State.ShouldBe(RunState.Running);

        store.MarkInterrupted().ShouldBe(2); // the DEAD job and its build
        store.MarkInterrupted().ShouldBe(0);
        StoredState(temp.Home.DatabasePath, "jobs", "DEAD").ShouldBe("interrupted");
        StoredState(temp.Home.DatabasePath, "jobs", "ALIVE").ShouldBe("running");
        StoredState(temp.Home.DatabasePath, "builds", build.Id).ShouldBe("interrupted");
    }

    [Fact]
    public void Queries_filter_and_page_most_recent_first()
    {
        using SqliteJobStore store = temp.Open();
        BuildRecord b1 = store.BeginBuild(new BuildRequest(BuildOrigin.Cli));
        BuildRecord b2 = store.BeginBuild(new BuildRequest(BuildOrigin.Cli));
        ProjectRecord web = store.AddProject(b1.Id, new ProjectRequest(JobKind.Docker, "WebApp"));
        ProjectRecord bri = store.AddProject(b2.Id, new ProjectRequest(JobKind.Brioche, LocalProjectPath: "/x/hello/project.bri"));
        for (int i = 0; i < 10; i++)
        {
            store.SaveJob(new JobRecord($"J{i}", i % 2 == 0 ? web.Id : bri.Id, i % 2 == 0 ? JobKind.Docker : JobKind.Brioche,
                null, T0.AddSeconds(i), State: RunState.Finished, Result: i % 3 == 0 ? RunResult.Failed : RunResult.Succeeded));
        }

        Ids(store.QueryJobs(new JobQuery(Limit: 3))).ShouldBe(["J9", "J8", "J7"]);
        Ids(store.QueryJobs(new JobQuery(Limit: 3, Offset: 8))).ShouldBe(["J1", "J0"]);
        Ids(store.QueryJobs(new JobQuery(FailedOnly: true))).ShouldBe(["J9", "J6", "J3", "J0"]);
        Ids(store.QueryJobs(new JobQuery(Project: "webapp", FailedOnly: true))).ShouldBe(["J6", "J0"]);
        Ids(store.QueryJobs(new JobQuery(Project: "HELLO", Limit: 2))).ShouldBe(["J9", "J7"]);
        Ids(store.QueryJobs(new JobQuery(Kind: JobKind.Brioche, Limit: 2))).ShouldBe(["J9", "J7"]);
        Ids(store.QueryJobs(new JobQuery(BuildId: b1.Id.ToLowerInvariant(), Limit: 2))).ShouldBe(["J8", "J6"]);
        store.GetBuild(b1.Id)!.Jobs.Count.ShouldBe(5);
        store.QueryBuilds(1).ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            s => s.Build.Id.ShouldBe(b2.Id),
            s => s.JobCount.ShouldBe(5),
            s => s.FailedJobCount.ShouldBe(2),
            s => s.ProjectCount.ShouldBe(1));
        store.FindBuildsByIdPrefix(b1.Id[..20].ToLowerInvariant(), 5).ShouldContain(b => b.Id == b1.Id);
    }

    [Fact]
    public void Prefix_lookups_are_case_insensitive_and_exact_about_the_prefix()
    {
        using SqliteJobStore store = temp.Open();
        string hashA = "abcdef01" + new string('1', 56);
        string hashB = "abcdef02" + new string('2', 56);
        store.SaveJobs(
        [
            new JobRecord("01JDAAAA000000000000000001", null, JobKind.Brioche, null, T0, RecipeHash: hashA, Pid: 50),
            new JobRecord("01JDAAAA000000000000000002", null, JobKind.Brioche, null, T0.AddSeconds(1), RecipeHash: hashA, Pid: 50),
            new JobRecord("01JDAAAB000000000000000003", null, JobKind.Brioche, null, T0.AddSeconds(2), RecipeHash: hashB, Pid: 51),
        ]);

        Ids(store.FindJobsByIdPrefix("01jdaaaa", 10)).ShouldBe(["01JDAAAA000000000000000002", "01JDAAAA000000000000000001"]);
        Ids(store.FindJobsByIdPrefix("01JDAAAB", 10)).ShouldBe(["01JDAAAB000000000000000003"]);
        store.FindJobsByIdPrefix("01JDAAAC", 10).ShouldBeEmpty();
        Ids(store.FindJobsByRecipeHashPrefix("ABCDEF01", 10)).ShouldBe(["01JDAAAA000000000000000002"]);
        Ids(store.FindJobsByRecipeHashPrefix("abcdef0", 10)).ShouldBe(["01JDAAAB000000000000000003", "01JDAAAA000000000000000002"]);
        Ids(store.FindJobsByPid(50, 1)).ShouldBe(["01JDAAAA000000000000000002"]);
    }

    [Fact]
    public void Parallel_writers_on_separate_connections_never_see_database_is_locked()
    {
        using (temp.Open())
        {
        }

        const int Writers = 6;
        const int JobsPerWriter = 60;
        Parallel.For(0, Writers, new ParallelOptions { MaxDegreeOfParallelism = Writers }, writer =>
        {
            // Each writer is its own store and connection, as separate MSBuild node processes would be.
            using SqliteJobStore store = temp.Open();
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

        using SqliteJobStore check = temp.Open();
        BuildSummary summary = check.QueryBuilds(10).ShouldHaveSingleItem();
        summary.JobCount.ShouldBe(Writers * JobsPerWriter);
        summary.ProjectCount.ShouldBe(Writers);
    }

    [Fact]
    public void Parallel_writers_in_separate_processes_record_every_job()
    {
        using (temp.Open())
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
            info.ArgumentList.Add(temp.Home.DatabasePath);
            info.ArgumentList.Add(n.ToString());
            return Process.Start(info)!;
        }).ToList();

        // Write from this process at the same time.
        using (SqliteJobStore store = temp.Open())
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

        using SqliteJobStore check = temp.Open();
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
