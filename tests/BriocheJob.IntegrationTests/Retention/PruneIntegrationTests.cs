using System.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.IntegrationTests.Brioche;
using BriocheJob.IntegrationTests.Docker;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.Recording;
using BriocheJob.Retention;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Retention;

/// <summary><c>prune</c> on real recorded Brioche builds (the stand-in), a prune process killed halfway, and debug images on the real engine.</summary>
public sealed class PruneIntegrationTests : IDisposable
{
    private readonly TempDirectory _temp = new("bj-prune-");

    public void Dispose() => _temp.Dispose();

    private string Home => _temp.Combine("home");

    private string DataDir => _temp.Combine("brioche-data");

    private static CancellationToken Timeout(int seconds = 180) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    private async Task<BriocheBuildOutcome> RecordAsync(string project) =>
        await new BriocheBuildRecorder(new BriocheBuildOptions
        {
            BriocheExe = FakeBriocheProject.Executable,
            Home = Home,
            BriocheDataDir = DataDir,
            ExternalBuildId = "it-" + Guid.NewGuid().ToString("N"),
        }, new QuietObserver()).RunAsync([new BriocheProjectSpec(project)], Timeout());

    [Fact]
    public async Task Recorded_brioche_builds_keep_the_newest_succeeded_log_per_recipe_and_their_process_temp_folders_go()
    {
        var project = FakeBriocheProject.Write(_temp.Combine("hello"), "hello",
        [
            new FakeProcess("echo building-hello; sleep 0.1"),
            new FakeProcess("echo 'test failed' >&2; exit 4"),
        ]);
        var first = await RecordAsync(project);
        var second = await RecordAsync(project);
        first.Succeeded.ShouldBeFalse();
        var olderSucceeded = first.Projects[0].Jobs.Single(j => j.Result == RunResult.Succeeded);
        var newerSucceeded = second.Projects[0].Jobs.Single(j => j.Result == RunResult.Succeeded);
        olderSucceeded.RecipeHash.ShouldBe(newerSucceeded.RecipeHash, "the same process has the same recipe");
        var failedJobs = first.Projects[0].Jobs.Concat(second.Projects[0].Jobs).Where(j => j.Result == RunResult.Failed).ToList();
        failedJobs.Count.ShouldBe(2);
        failedJobs.ShouldAllBe(j => Directory.Exists(Path.Combine(DataDir, "process-temp", j.Id)), "Brioche keeps failed jobs' folders");

        var result = await DotnetCli.BriocheJobAsync(Home, ["prune", "--keep-succeeded", "1", "--brioche-temps", "--data-dir", DataDir]);

        result.ExitCode.ShouldBe(0, result.Describe());
        result.Stdout.ShouldContain("removed 0 failed logs, 1 succeeded log, 0 job rows (0 builds), 0 orphaned files");
        result.Stdout.ShouldContain("removed 2 Brioche process-temp folders");
        File.Exists(olderSucceeded.LocalPath!).ShouldBeFalse();
        File.Exists(newerSucceeded.LocalPath!).ShouldBeTrue();
        failedJobs.ShouldAllBe(j => !Directory.Exists(Path.Combine(DataDir, "process-temp", j.Id)));
        failedJobs.ShouldAllBe(j => File.Exists(j.LocalPath!), "we keep the failed logs we copied");

        var logs = await DotnetCli.BriocheJobAsync(Home, ["logs", olderSucceeded.Id]);
        logs.ExitCode.ShouldBe(3);
        logs.Stderr.ShouldBe($"error BJ6010: job {olderSucceeded.Id} has no events file recorded\n");
        var failedLogs = await DotnetCli.BriocheJobAsync(Home, ["logs", failedJobs[0].Id]);
        failedLogs.ExitCode.ShouldBe(0, failedLogs.Describe());
        failedLogs.Stdout.ShouldContain("test failed");
    }

    [Fact]
    public async Task A_prune_killed_halfway_leaves_every_row_pointing_at_a_file_and_the_next_prune_finishes()
    {
        // A real recorded failed job's log, copied for 3000 old failed jobs.
        var project = FakeBriocheProject.Write(_temp.Combine("broken"), "broken", [new FakeProcess("echo broken-output; exit 2")]);
        var recorded = (await RecordAsync(project)).Projects[0].Jobs.Single();
        var home = new DataHome(Home);
        var old = DateTimeOffset.UtcNow.AddDays(-60);
        var jobs = new List<JobRecord>();
        using (var store = SqliteJobStore.Open(home))
        {
            var projectId = store.GetJob(recorded.Id).ShouldNotBeNull().Project.ShouldNotBeNull().Id;
            for (int i = 0; i < 3000; i++)
            {
                var id = Ulid.NewUlid(old.AddSeconds(i));
                var path = Path.Combine(home.EnsureJobDirectory(id), "events.bin.zst");
                File.Copy(recorded.LocalPath!, path);
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-2));
                jobs.Add(recorded with { Id = id, StartedAt = old.AddSeconds(i), StoppedAt = old.AddSeconds(i + 1), LocalPath = path, OwnerPid = 1 });
            }

            store.SaveJobs(jobs);
        }

        // --verbose prints a line per removed file; not reading stdout after the first line stalls the prune on a
        // full pipe, so the kill lands while files are being deleted.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])[RepositoryLayout.CliAssembly, "prune", "--verbose"])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in DotnetCli.IsolatedEnvironment())
        {
            start.Environment[name] = value;
        }

        start.Environment["BRIOCHE_JOB_HOME"] = Home;
        using (var prune = Process.Start(start)!)
        {
            var line = await prune.StandardOutput.ReadLineAsync(Timeout());
            line.ShouldNotBeNull("prune --verbose printed nothing").ShouldStartWith("removed /");
            prune.Kill(entireProcessTree: true);
            await prune.WaitForExitAsync(Timeout());
        }

        int left = jobs.Count(j => File.Exists(j.LocalPath!));
        left.ShouldBeGreaterThan(0, "the kill should land before every file is deleted");
        left.ShouldBeLessThan(jobs.Count, "the kill should land after some files are deleted");
        using (var store = SqliteJobStore.Open(home))
        {
            foreach (var job in jobs)
            {
                store.GetJob(job.Id).ShouldNotBeNull().Job.LocalPath.ShouldBeNull("rows are updated before files are deleted");
            }

            store.GetJob(recorded.Id).ShouldNotBeNull().Job.LocalPath.ShouldBe(recorded.LocalPath);
            File.Exists(recorded.LocalPath!).ShouldBeTrue();
        }

        var again = await DotnetCli.BriocheJobAsync(Home, ["prune", "--json"]);
        again.ExitCode.ShouldBe(0, again.Describe());
        again.Stdout.ShouldContain($"\"orphanFiles\":{left}");
        jobs.ShouldAllBe(j => !File.Exists(j.LocalPath!));
        File.Exists(recorded.LocalPath!).ShouldBeTrue();
    }

    [Fact]
    public async Task Leftover_debug_images_are_removed_and_one_a_container_uses_is_kept()
    {
        using var fx = new DockerRecordingFixture();
        await fx.RequireEngineAsync();
        var prefix = "brioche-job-debug:rt-" + Guid.NewGuid().ToString("N")[..10];
        var leftover = prefix + "-left";
        var used = prefix + "-used";
        (await ProcessRunner.RunAsync("docker", ["tag", DockerRecordingFixture.BaseImage, leftover])).ExitCode.ShouldBe(0);
        fx.WriteDockerfile($"FROM {DockerRecordingFixture.BaseImage}\nRUN echo {Guid.NewGuid():N} > /marker\n");
        var spec = new DockerImageSpec("brioche-job-debug", fx.Context) { Tags = [used[(DebugImagePruner.Repository.Length + 1)..]], NetworkMode = "none" };
        var (outcome, _, _) = await fx.BuildAndRecordAsync(spec);
        outcome.Succeeded.ShouldBeTrue(outcome.Error);
        var container = await fx.Client.CreateContainerAsync(new ContainerRunRequest { Image = used, Command = ["true"] }, Timeout());
        try
        {
            var dry = await DebugImagePruner.RunAsync(fx.Client, dryRun: true, prefix, Timeout());
            dry.Removed.ShouldBe([leftover, used]);
            (await fx.Client.InspectImageAsync(leftover, Timeout())).ShouldNotBeNull();

            var report = await DebugImagePruner.RunAsync(fx.Client, dryRun: false, prefix, Timeout());

            report.Removed.ShouldBe([leftover]);
            report.InUse.ShouldBe([used]);
            (await fx.Client.InspectImageAsync(leftover, Timeout())).ShouldBeNull();
            (await fx.Client.InspectImageAsync(used, Timeout())).ShouldNotBeNull();
            (await fx.Client.InspectImageAsync(DockerRecordingFixture.BaseImage, Timeout())).ShouldNotBeNull("only the debug tag goes");
        }
        finally
        {
            await fx.Client.RemoveContainerAsync(container);
            await fx.Client.RemoveImageAsync(used);
            await fx.Client.RemoveImageAsync(leftover);
        }
    }

    /// <summary>A Brioche build observer that ignores progress.</summary>
    internal sealed class QuietObserver : IBriocheBuildObserver
    {
        public void JobStarted(BriocheProjectSpec project, JobRecord job) { }

        public void JobFinished(BriocheProjectSpec project, JobRecord job) { }

        public void Warning(string code, string message) { }
    }
}
