using BriocheJob.Brioche;
using BriocheJob.IntegrationTests.Brioche;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Retention;

/// <summary>
/// The automatic prune after a real <c>dotnet build</c> that records a Brioche project (the stand-in): it runs when
/// the data home is over <c>BriocheJobMaxSize</c>, <c>BriocheJobPrune=false</c> turns it off, and a bad size is a
/// warning, never a failed build.
/// </summary>
public sealed class AutoPruneEndToEndTests : IDisposable
{
    private readonly TempDirectory _temp = new("bj-autoprune-");

    public void Dispose() => _temp.Dispose();

    /// <summary>A home holding three failed jobs' logs from 40 days ago, which the default policy removes.</summary>
    private List<string> SeedOldFailedLogs(string homePath)
    {
        var home = new DataHome(homePath);
        using var store = SqliteJobStore.Open(home);
        var old = DateTimeOffset.UtcNow.AddDays(-40);
        var build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: old));
        var project = store.AddProject(build.Id, new ProjectRequest(JobKind.Brioche, "old"));
        store.FinishBuild(build.Id, RunState.Finished, RunResult.Failed, old);
        var paths = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var id = Ulid.NewUlid(old.AddSeconds(i));
            var path = Path.Combine(home.EnsureJobDirectory(id), "events.bin.zst");
            using (var writer = ProcessEventsWriter.Create(path, new ProcessDescription { Recipe = System.Text.Json.JsonDocument.Parse("{}").RootElement.Clone() }))
            {
                writer.WriteStdout(new byte[4096]);
                writer.WriteExited(1);
            }

            store.SaveJob(new JobRecord(id, project.Id, JobKind.Brioche, "old job", old, old.AddSeconds(1), RunState.Finished,
                RunResult.Failed, ExitCode: 1, LocalPath: path, OwnerPid: 1));
            paths.Add(path);
        }

        return paths;
    }

    private async Task<ProcessResult> BuildAsync(string name, string home, params (string Name, string Value)[] properties)
    {
        var folder = _temp.Combine(name);
        FakeBriocheProject.Write(Path.Combine(folder, "hello"), "hello", [new FakeProcess("echo hello")]);
        var project = new GeneratedProject { UseSdk = false }
            .Property("BriocheExe", FakeBriocheProject.Executable)
            .Property("BriocheJobHome", home)
            .Item("BriocheProject", "hello");
        foreach (var (property, value) in properties)
        {
            project.Property(property, value);
        }

        var path = project.WriteTo(folder);
        return await DotnetCli.BuildAsync(path, new Dictionary<string, string?> { ["BRIOCHE_DATA_DIR"] = _temp.Combine(name + "-data") }, ["--no-restore"]);
    }

    [Fact]
    public async Task Over_the_cap_a_bounded_prune_runs_after_the_build_off_with_BriocheJobPrune_false_and_a_bad_size_only_warns()
    {
        var home = _temp.Combine("home-over");
        var old = SeedOldFailedLogs(home);

        var build = await BuildAsync("over", home, ("BriocheJobMaxSize", "1KB"));

        build.ExitCode.ShouldBe(0, build.Describe());
        build.Stdout.ShouldContain($"brioche-job: the data home {home} holds ");
        build.Stdout.ShouldContain("over BriocheJobMaxSize 1.0 KiB: pruned 3 failed logs, 0 succeeded logs, 0 job rows");
        old.ShouldAllBe(p => !File.Exists(p));
        using (var store = SqliteJobStore.Open(new DataHome(home)))
        {
            store.QueryJobs(new JobQuery(Limit: 100)).Count(j => j.Job.Name!.StartsWith("/bin/sh -c 'echo hello")).ShouldBe(1, "the build itself was recorded");
        }

        var offHome = _temp.Combine("home-off");
        var kept = SeedOldFailedLogs(offHome);
        var off = await BuildAsync("off", offHome, ("BriocheJobMaxSize", "1KB"), ("BriocheJobPrune", "false"));
        off.ExitCode.ShouldBe(0, off.Describe());
        off.Stdout.ShouldNotContain("brioche-job: the data home");
        kept.ShouldAllBe(p => File.Exists(p));

        var under = await BuildAsync("under", offHome);
        under.ExitCode.ShouldBe(0, under.Describe());
        under.Stdout.ShouldNotContain("brioche-job: the data home", customMessage: "under the default 5 GB cap nothing runs");
        kept.ShouldAllBe(p => File.Exists(p));

        var bad = await BuildAsync("bad", offHome, ("BriocheJobMaxSize", "lots"));
        bad.ExitCode.ShouldBe(0, bad.Describe());
        bad.Stdout.ShouldContain("warning BJ1022: BriocheJobMaxSize 'lots' is not a size (e.g. 5GB, 500MB); the data home was not pruned");
        kept.ShouldAllBe(p => File.Exists(p));
    }
}
