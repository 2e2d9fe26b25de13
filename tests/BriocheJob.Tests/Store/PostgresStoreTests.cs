using BriocheJob.Diagnostics;
using BriocheJob.Store;
using BriocheJob.Tests.Brioche;
using BriocheJob.TestSupport;
using Npgsql;

namespace BriocheJob.Tests.Store;

/// <summary>What only the server store does: schema refusal, TLS, grants, logs as frames, copy and spool.</summary>
public sealed class PostgresStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);
    private readonly TestSchema _schema = new();
    private readonly TempHome _temp = new();

    public void Dispose()
    {
        _schema.Dispose();
        _temp.Dispose();
    }

    private static string EventsFixture => Path.Combine(Fixtures.FixturesDir, "brioche", "brioche-data", "process-temp",
        "01JD0000000000000000000004", "events.bin.zst");

    [Fact]
    public void Migrates_to_the_current_version_and_refuses_a_newer_schema_untouched()
    {
        using (PostgresJobStore store = _schema.Open())
        {
            store.SchemaVersion.ShouldBe(PostgresSchema.CurrentVersion);
            store.SaveJob(new JobRecord("J1", null, JobKind.Docker, null, T0));
        }

        _schema.Execute("UPDATE brioche_job_schema SET version = 99");
        BriocheJobException refused = Should.Throw<BriocheJobException>(() => _schema.Open());

        refused.Code.ShouldBe(Catalog.Store.DatabaseTooNew);
        refused.Message.ShouldContain("schema version 99");
        _schema.Scalar("SELECT version FROM brioche_job_schema").ShouldBe(99);
        _schema.Scalar("SELECT count(*) FROM jobs").ShouldBe(1L);
    }

    [Fact]
    public void Prefix_lookups_use_the_key_indexes_whatever_the_case()
    {
        using PostgresJobStore store = _schema.Open();
        store.SaveJobs(Enumerable.Range(0, 2000).Select(i =>
            new JobRecord($"01JD{i:D22}", null, JobKind.Brioche, null, T0.AddSeconds(i), RecipeHash: $"{i:x8}{new string('a', 56)}")));
        _schema.Execute("ANALYZE jobs");

        string idPlan = Plan("SELECT id FROM jobs j WHERE j.id_key >= lower('01jd00') AND j.id_key < lower('01jd00') || chr(1114111)");
        string hashPlan = Plan("SELECT id FROM jobs WHERE recipe_hash_key >= lower('0000007') AND recipe_hash_key < lower('0000007') || chr(1114111)");

        idPlan.ShouldContain("jobs_pkey");
        hashPlan.ShouldContain("jobs_by_recipe_hash");
        store.FindJobsByIdPrefix("01jd0000000000000000001999", 5).ShouldHaveSingleItem().Job.Id.ShouldBe("01JD0000000000000000001999");
        store.FindJobsByRecipeHashPrefix("000007CF", 5).ShouldHaveSingleItem().Job.Id.ShouldBe("01JD0000000000000000001999");
    }

    [Theory]
    [InlineData("require")]
    [InlineData("verify-full")]
    public void Tls_modes_connect_over_tls_to_the_test_cluster(string mode)
    {
        string uri = $"postgresql://postgres:{TestPostgres.SuperuserPassword}@localhost:{TestPostgres.Port}/postgres" +
            $"?sslmode={mode}&sslrootcert={Uri.EscapeDataString(TestPostgres.CaCertificate)}";
        var location = StoreLocation.Parse(uri);
        location.Display.ShouldBe($"postgresql://postgres@localhost:{TestPostgres.Port}/postgres?sslmode={mode}");

        var builder = new NpgsqlConnectionStringBuilder(location.ConnectionString) { SearchPath = _schema.Name };
        using PostgresJobStore store = PostgresJobStore.Open(StoreLocation.Parse(builder.ConnectionString));
        store.Describe().SchemaVersion.ShouldBe(PostgresSchema.CurrentVersion);

        using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
        command.ExecuteScalar().ShouldBe(true);
    }

    [Fact]
    public void Verify_full_refuses_a_server_whose_ca_is_not_trusted()
    {
        string uri = $"postgresql://postgres:{TestPostgres.SuperuserPassword}@localhost:{TestPostgres.Port}/postgres?sslmode=verify-full";
        BriocheJobException refused = Should.Throw<BriocheJobException>(() => PostgresJobStore.Open(StoreLocation.Parse(uri)));
        refused.Code.ShouldBe(Catalog.Server.Unreachable);
        refused.Message.ShouldNotContain(TestPostgres.SuperuserPassword);
    }

    [Fact]
    public void A_password_is_never_printed()
    {
        const string secret = "Zq9-very-secret-pw";
        var location = StoreLocation.Parse($"postgresql://someone:{secret}@127.0.0.1:{TestPostgres.Port}/postgres");
        location.Display.ShouldNotContain(secret);
        location.ToString().ShouldNotContain(secret);
        location.Redact($"text with {secret} inside").ShouldBe("text with ******** inside");

        BriocheJobException refused = Should.Throw<BriocheJobException>(() => PostgresJobStore.Open(location));
        refused.Code.ShouldBe(Catalog.Server.Unreachable);
        refused.Message.ShouldNotContain(secret);
        refused.ToString().ShouldNotContain(secret);

        BriocheJobException bad = Should.Throw<BriocheJobException>(() => StoreLocation.Parse($"Host=h;Password={secret};Bogus Key=1"));
        bad.Code.ShouldBe(Catalog.Server.InvalidLocation);
        bad.Message.ShouldNotContain(secret);
        Should.Throw<BriocheJobException>(() => StoreLocation.Parse($"postgresql://u:{secret}@h/db?sslmode=sometimes"))
            .Message.ShouldNotContain(secret);
    }

    [Fact]
    public void A_role_with_only_the_documented_grants_records_and_reads_but_only_the_owner_migrates()
    {
        string owner = _schema.Name + "_owner", app = _schema.Name + "_app";
        TestPostgres.Execute($"CREATE ROLE {owner} LOGIN PASSWORD 'owner-pw'; CREATE ROLE {app} LOGIN PASSWORD 'app-pw'; " +
            $"ALTER SCHEMA {_schema.Name} OWNER TO {owner}; GRANT CONNECT ON DATABASE postgres TO {app}; " +
            $"GRANT USAGE ON SCHEMA {_schema.Name} TO {app};");
        try
        {
            // Before the owner migrates, the application role cannot.
            BriocheJobException refused = Should.Throw<BriocheJobException>(
                () => PostgresJobStore.Open(StoreLocation.Parse(_schema.ConnectionString(app, "app-pw"))));
            refused.Code.ShouldBe(Catalog.Server.MigrationNeedsOwner);
            refused.Message.ShouldNotContain("app-pw");

            PostgresJobStore.Open(StoreLocation.Parse(_schema.ConnectionString(owner, "owner-pw"))).Dispose();
            // The grants the README lists.
            TestPostgres.Execute(
                $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {_schema.Name} TO {app}; " +
                $"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_schema.Name} TO {app};");

            using PostgresJobStore store = PostgresJobStore.Open(StoreLocation.Parse(_schema.ConnectionString(app, "app-pw")));
            BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "ci-1"));
            ProjectRecord project = store.AddProject(build.Id, new ProjectRequest(JobKind.Docker, "web"));
            store.SaveJob(new JobRecord("J1", project.Id, JobKind.Docker, "RUN x", T0, StoppedAt: T0.AddSeconds(1),
                State: RunState.Finished, Result: RunResult.Failed));
            LogFrames.Upload(store, "J1", EventsFixture, complete: true).ShouldBeGreaterThan(0);
            store.FinishBuild(build.Id, RunState.Finished, RunResult.Failed);
            store.MarkInterrupted();

            store.GetJob("j1")!.Build!.ExternalId.ShouldBe("ci-1");
            store.QueryJobs(new JobQuery(FailedOnly: true)).ShouldHaveSingleItem();
            store.GetLogState("J1")!.Value.Complete.ShouldBeTrue();
            store.Describe().Jobs.ShouldBe(1);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            TestPostgres.Execute($"DROP SCHEMA IF EXISTS {_schema.Name} CASCADE; REVOKE ALL ON DATABASE postgres FROM {app}; " +
                $"DROP ROLE IF EXISTS {app}; CREATE SCHEMA {_schema.Name}; DROP ROLE IF EXISTS {owner};");
        }
    }

    [Fact]
    public void A_log_copied_to_the_server_is_byte_for_byte_the_events_file()
    {
        using PostgresJobStore store = _schema.Open();
        store.SaveJob(new JobRecord("J1", null, JobKind.Brioche, null, T0));
        byte[] original = File.ReadAllBytes(EventsFixture);
        List<byte[]> frames = LogFrames.Split(original);
        frames.Count.ShouldBeGreaterThan(1);

        // Half the frames while the job runs, the rest when it ends; uploading again sends nothing.
        string growing = Path.Combine(_temp.Path, "growing.zst");
        Directory.CreateDirectory(_temp.Path);
        File.WriteAllBytes(growing, frames.Take(frames.Count / 2).SelectMany(f => f).Concat(original.Skip(frames.Take(frames.Count / 2).Sum(f => f.Length)).Take(3)).ToArray());
        LogFrames.Upload(store, "J1", growing, complete: false).ShouldBe(frames.Count / 2);
        File.Copy(EventsFixture, growing, overwrite: true);
        LogFrames.Upload(store, "J1", growing, complete: true).ShouldBe(frames.Count - frames.Count / 2);
        LogFrames.Upload(store, "J1", growing, complete: true).ShouldBe(0);

        string copy = Path.Combine(_temp.Path, "copy.zst");
        LogFrames.Download(store, "j1", copy).ShouldBeTrue();
        File.ReadAllBytes(copy).ShouldBe(original);
        store.GetLogState("J1").ShouldBe((frames.Count, (long)original.Length, true));
    }

    [Fact]
    public void A_follower_mirror_is_always_a_prefix_of_the_growing_file_and_ends_as_the_file()
    {
        using PostgresJobStore store = _schema.Open();
        store.SaveJob(new JobRecord("J1", null, JobKind.Brioche, null, T0));
        byte[] original = File.ReadAllBytes(EventsFixture);
        string growing = Path.Combine(_temp.Path, "growing.zst");
        string mirrorPath = Path.Combine(_temp.Path, "mirror.zst");
        Directory.CreateDirectory(_temp.Path);
        var upload = new LiveLogUpload(store, "J1", growing);
        using var mirror = new LogMirror(store, "j1", mirrorPath);

        upload.Send().ShouldBeFalse("no file yet");
        mirror.Poll().ShouldBeFalse();
        // The file grows by odd amounts: frames complete, and parts of the open one arrive.
        int sent = 0;
        for (int length = 7; length < original.Length; length += 1_009)
        {
            File.WriteAllBytes(growing, original[..length]);
            sent += upload.Send() ? 1 : 0;
            mirror.Poll().ShouldBeFalse();
            byte[] copy = File.ReadAllBytes(mirrorPath);
            copy.Length.ShouldBe(length);
            copy.ShouldBe(original[..length]);
        }

        sent.ShouldBeGreaterThan(1);
        upload.Send().ShouldBeFalse("nothing new");
        File.WriteAllBytes(growing, original);
        LogFrames.Upload(store, "J1", growing, complete: true).ShouldBeGreaterThan(0);
        mirror.Poll().ShouldBeTrue();
        File.ReadAllBytes(mirrorPath).ShouldBe(original);
        _schema.Scalar("SELECT open_frame IS NULL FROM job_logs").ShouldBe(true);
        store.ReadLogSince("nobody", 0).ShouldBeNull();
    }

    [Fact]
    public void Store_copy_keeps_ids_and_logs_and_a_second_run_adds_only_what_is_new()
    {
        using SqliteJobStore local = _temp.Open();
        BuildRecord build = local.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "ci-9", StartedAt: T0));
        ProjectRecord project = local.AddProject(build.Id, new ProjectRequest(JobKind.Brioche, "hello"));
        local.SaveJob(new JobRecord("01JD0000000000000000000004", project.Id, JobKind.Brioche, "process", T0,
            StoppedAt: T0.AddSeconds(2), State: RunState.Finished, Result: RunResult.Failed, LocalPath: EventsFixture));
        local.FinishBuild(build.Id, RunState.Finished, RunResult.Failed, T0.AddSeconds(3));

        using PostgresJobStore server = _schema.Open();
        StoreCopyResult first = StoreCopy.Copy(local, server);
        first.ShouldBe(new StoreCopyResult(1, 1, 0, 1, LogFrames.Split(File.ReadAllBytes(EventsFixture)).Count));
        local.SaveJob(new JobRecord("01JD0000000000000000000005", project.Id, JobKind.Brioche, "second", T0.AddSeconds(1),
            StoppedAt: T0.AddSeconds(2), State: RunState.Finished, Result: RunResult.Succeeded));
        StoreCopyResult second = StoreCopy.Copy(local, server);

        second.ShouldBe(new StoreCopyResult(1, 1, 0, 0, 0));
        BuildDetails copied = server.GetBuild("ci-9")!;
        copied.Build.Id.ShouldBe(build.Id);
        copied.Build.Result.ShouldBe(RunResult.Failed);
        copied.Projects.ShouldHaveSingleItem().Name.ShouldBe("hello");
        copied.Jobs.Select(j => j.Job.Id).ShouldBe(["01JD0000000000000000000005", "01JD0000000000000000000004"]);
        string back = Path.Combine(_temp.Path, "back.zst");
        LogFrames.Download(server, "01JD0000000000000000000004", back);
        File.ReadAllBytes(back).ShouldBe(File.ReadAllBytes(EventsFixture));
    }

    [Fact]
    public void A_server_that_is_down_spools_with_one_warning_and_the_next_run_flushes_everything()
    {
        var warnings = new List<(string Code, string Message)>();
        var down = StoreLocation.Parse($"Host=127.0.0.1;Port=1;Username=postgres;Password=pw-not-shown;Database=postgres;Timeout=3");
        BuildRecord build;
        using (IJobStore spooling = JobStores.OpenForRecording(down, _temp.Home, (c, m) => warnings.Add((c, m))))
        {
            build = spooling.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "ci-down"));
            ProjectRecord project = spooling.AddProject(build.Id, new ProjectRequest(JobKind.Docker, "web"));
            for (int i = 0; i < 5; i++)
            {
                spooling.SaveJob(new JobRecord($"S{i}", project.Id, JobKind.Docker, null, T0.AddSeconds(i),
                    StoppedAt: T0.AddSeconds(i + 1), State: RunState.Finished, Result: RunResult.Succeeded));
            }

            spooling.FinishBuild(build.Id, RunState.Finished, RunResult.Succeeded);
        }

        warnings.ShouldHaveSingleItem().Code.ShouldBe(Catalog.Server.RecordedToSpool);
        warnings[0].Message.ShouldNotContain("pw-not-shown");
        File.Exists(JobStores.SpoolPath(_temp.Home)).ShouldBeTrue();

        // The next run reaches the server: the spool is flushed before it records.
        using (IJobStore next = JobStores.OpenForRecording(_schema.Location, _temp.Home, (c, m) => warnings.Add((c, m))))
        {
            next.GetBuild("ci-down")!.Jobs.Count.ShouldBe(5);
            next.GetBuild("ci-down")!.Build.Id.ShouldBe(build.Id);
        }

        warnings.Count.ShouldBe(1);
        using SqliteJobStore spool = SqliteJobStore.Open(JobStores.SpoolPath(_temp.Home));
        spool.Describe().Jobs.ShouldBe(0);
    }

    private string Plan(string sql)
    {
        using var connection = new NpgsqlConnection(_schema.ConnectionString());
        connection.Open();
        using var command = new NpgsqlCommand($"SET enable_seqscan = off; EXPLAIN {sql}", connection);
        using NpgsqlDataReader reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join("\n", lines);
    }
}
