using BriocheJob.Brioche;
using BriocheJob.Store;

namespace BriocheJob.Tests.Cli;

/// <summary>One MSBuild build with four jobs (oldest first): failed, succeeded (events gone), failed by signal, docker cached.</summary>
internal sealed class SeededStore
{
    public const string Failed1 = "01JD0000AAAA00000000000001";
    public const string Succeeded2 = "01JD0000AAAA00000000000002";
    public const string Failed3 = "01JD0000BBBB00000000000003";
    public const string Docker4 = "01JD0000CCCC00000000000004";
    public static readonly string RecipeA = "abcdef12" + new string('0', 56);
    public static readonly string RecipeB = "abcdef34" + new string('1', 56);
    public static readonly string RecipeC = "0123456789" + new string('c', 54);

    public SeededStore(CliHarness cli)
    {
        Failed1Events = cli.WriteEvents("job1", RecipeA, 4242,
            [(OutputStream.Stdout, "compiling\n"), (OutputStream.Stderr, "error: boom\n")], new ExitedEvent(50, 2));
        Failed3Events = cli.WriteEvents("job3", RecipeC, 6000,
            [(OutputStream.Stdout, "one\ntwo\n"), (OutputStream.Stderr, "three\n"), (OutputStream.Stdout, "four")],
            new ExitedWithSignalEvent(70, 9));
        using SqliteJobStore store = cli.OpenStore();
        BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, "ci-42", "/src", StartedAt: CliHarness.T0));
        BuildId = build.Id;
        long app = store.AddProject(build.Id, new ProjectRequest(JobKind.Brioche, "app", LocalProjectPath: "/src/app")).Id;
        long image = store.AddProject(build.Id, new ProjectRequest(JobKind.Docker, "web-image", LocalProjectPath: "/src/web")).Id;
        DateTimeOffset t = CliHarness.T0;
        store.SaveJobs(
        [
            new JobRecord(Failed1, app, JobKind.Brioche, "/bin/sh -c make", t, t.AddSeconds(2), RunState.Finished, RunResult.Failed,
                ExitCode: 2, RecipeHash: RecipeA, Pid: 4242, LocalPath: Failed1Events),
            new JobRecord(Succeeded2, app, JobKind.Brioche, "/bin/sh -c test", t.AddMinutes(1), t.AddMinutes(1).AddSeconds(75),
                RunState.Finished, RunResult.Succeeded, ExitCode: 0, RecipeHash: RecipeB, Pid: 5000,
                LocalPath: Path.Combine(cli.Temp.Path, "deleted", "events.bin.zst")),
            new JobRecord(Failed3, app, JobKind.Brioche, "/bin/sh -c run", t.AddMinutes(2), t.AddMinutes(2).AddMilliseconds(300),
                RunState.Finished, RunResult.Failed, Signal: 9, RecipeHash: RecipeC, Pid: 6000, LocalPath: Failed3Events),
            new JobRecord(Docker4, image, JobKind.Docker, "RUN make", t.AddMinutes(3), t.AddMinutes(3), RunState.Finished,
                RunResult.Succeeded, ExitCode: 0, Cached: true),
        ]);
        store.FinishBuild(build.Id, RunState.Finished, RunResult.Failed, t.AddMinutes(4));
    }

    public string BuildId { get; }

    public string Failed1Events { get; }

    public string Failed3Events { get; }
}
