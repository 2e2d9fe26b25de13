using BriocheJob.Brioche;
using BriocheJob.Store;
using BriocheJob.Tests.Store;
using BriocheJob.TestSupport;

namespace BriocheJob.Tests.Cli;

/// <summary>The CLI against the server store: --store, store info, and logs read on a machine without the file.</summary>
public sealed class ServerStoreCliTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly TestSchema _schema = new();

    public void Dispose()
    {
        _schema.Dispose();
        _cli.Dispose();
    }

    [Fact]
    public void Logs_of_a_job_recorded_elsewhere_come_from_the_server_and_a_tail_fetches_only_the_last_frames()
    {
        // About 40 MB of output: some 40 frames of 1 MiB decompressed each.
        var output = Enumerable.Range(0, 40_000).Select(i => (OutputStream.Stdout, $"line {i:D6} {new string('x', 1000)}\n"));
        string events = _cli.WriteEvents("01JD0000000000000000000077", new string('c', 64), 4242, output, new ExitedEvent(999_999, 1));
        using (PostgresJobStore store = _schema.Open())
        {
            BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild));
            ProjectRecord project = store.AddProject(build.Id, new ProjectRequest(JobKind.Brioche, "big"));
            store.SaveJob(new JobRecord("01JD0000000000000000000077", project.Id, JobKind.Brioche, "bake", CliHarness.T0,
                StoppedAt: CliHarness.T0.AddSeconds(9), State: RunState.Finished, Result: RunResult.Failed, LocalPath: "/elsewhere/events.bin.zst"));
            LogFrames.Upload(store, "01JD0000000000000000000077", events, complete: true);
        }

        int frames = LogFrames.Split(File.ReadAllBytes(events)).Count;
        frames.ShouldBeGreaterThan(20);
        string[] local = _cli.Run("logs", events, "--tail", "3").OutLines;

        CliResult tail = _cli.Run("--store", _schema.ConnectionString(), "logs", "01jd0000000000000000000077", "--tail", "3");

        tail.ExitCode.ShouldBe(0, tail.Error);
        tail.OutLines.ShouldBe(local);
        tail.OutLines.ShouldContain(l => l.Contains("line 039999"));
        // Only the head and the end were fetched: no full cache file was written.
        string cached = Path.Combine(_cli.HomePath, "cache", "logs", "01JD0000000000000000000077.events.bin.zst");
        File.Exists(cached).ShouldBeFalse();

        CliResult full = _cli.Run("--store", _schema.ConnectionString(), "logs", "01JD0000000000000000000077");
        full.ExitCode.ShouldBe(0, full.Error);
        full.OutLines.Length.ShouldBe(_cli.Run("logs", events).OutLines.Length);
        File.ReadAllBytes(cached).ShouldBe(File.ReadAllBytes(events));
    }

    [Fact]
    public void Store_info_names_the_server_without_its_password_and_counts_what_it_holds()
    {
        CliResult info = _cli.Run("--store", _schema.ConnectionString(), "store", "info");

        info.ExitCode.ShouldBe(0, info.Error);
        info.Out.ShouldContain($"store:    postgresql postgresql://postgres@127.0.0.1:{TestPostgres.Port}/postgres");
        info.Out.ShouldContain($"schema:   {PostgresSchema.CurrentVersion}");
        info.Out.ShouldContain("jobs:     0");
        info.Out.ShouldNotContain(TestPostgres.SuperuserPassword);

        CliResult embedded = _cli.Run("store", "info");
        embedded.Out.ShouldContain("store:    sqlite " + Path.Combine(_cli.HomePath, "jobs.db"));
    }

    [Fact]
    public void A_password_in_a_store_location_never_reaches_the_output()
    {
        _cli.Environment["BRIOCHE_JOB_STORE"] = "postgresql://someone:Pa55-Secret@127.0.0.1:1/db";
        CliResult down = _cli.Run("list");
        down.ExitCode.ShouldBe(6);
        down.Error.ShouldStartWith("error BJ1101:");
        (down.Out + down.Error).ShouldNotContain("Pa55-Secret");

        CliResult bad = _cli.Run("--store", "Host=x;Password=Pa55-Secret;Nonsense=1", "list");
        bad.ExitCode.ShouldBe(2);
        (bad.Out + bad.Error).ShouldNotContain("Pa55-Secret");
    }
}
