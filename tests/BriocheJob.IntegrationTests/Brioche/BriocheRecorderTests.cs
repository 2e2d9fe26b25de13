using System.Collections.Concurrent;
using BriocheJob.Brioche;
using BriocheJob.Diagnostics;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Brioche;

/// <summary>
/// <see cref="BriocheBuildRecorder"/> against the test-only stand-in (tests/FakeBrioche), which runs real processes
/// and lays out process-temp as Brioche does.
/// </summary>
public sealed class BriocheRecorderTests : IDisposable
{
    private readonly TempDirectory _temp = new("bj-brioche-");
    private readonly RecordingObserver _observer = new();

    public void Dispose() => _temp.Dispose();

    private string Home => _temp.Combine("home");

    private string DataDir => _temp.Combine("brioche-data");

    private string ProcessTemp => Path.Combine(DataDir, "process-temp");

    private BriocheBuildRecorder Recorder(string? briocheExe = null, string? home = null) => new(new BriocheBuildOptions
    {
        BriocheExe = briocheExe ?? FakeBriocheProject.Executable,
        Home = home ?? Home,
        BriocheDataDir = DataDir,
        ExternalBuildId = "it-" + Guid.NewGuid().ToString("N"),
    }, _observer);

    private SqliteJobStore OpenStore() => SqliteJobStore.Open(new DataHome(Home));

    private static CancellationToken Timeout(int seconds = 120) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task Succeeded_job_whose_folder_brioche_deleted_is_recorded_succeeded_with_its_logs()
    {
        var project = FakeBriocheProject.Write(_temp.Combine("hello"), "hello",
        [
            new FakeProcess("echo hello-stdout; echo hello-stderr >&2; sleep 0.3"),
            new FakeProcess("echo second-job; sleep 0.2", new Dictionary<string, string> { ["GREETING"] = "hi" }),
        ]);

        var outcome = await Recorder().RunAsync([new BriocheProjectSpec(project)], Timeout());

        outcome.Succeeded.ShouldBeTrue(string.Join('\n', outcome.Projects[0].OutputTail));
        Directory.EnumerateDirectories(ProcessTemp).ShouldBeEmpty("the stand-in deletes the folders of succeeded jobs");
        var jobs = outcome.Projects[0].Jobs;
        jobs.Count.ShouldBe(2);
        _observer.Warnings.ShouldBeEmpty();

        using var store = OpenStore();
        foreach (var recorded in jobs)
        {
            var view = store.GetJob(recorded.Id).ShouldNotBeNull();
            var job = view.Job;
            job.State.ShouldBe(RunState.Finished);
            job.Result.ShouldBe(RunResult.Succeeded);
            job.ExitCode.ShouldBe(0);
            job.Kind.ShouldBe(JobKind.Brioche);
            job.Message.ShouldBeNull();
            job.RecipeHash.ShouldNotBeNull().ShouldMatch("^[0-9a-f]{64}$");
            job.Pid.ShouldNotBeNull().ShouldBeGreaterThan(0);
            job.Name.ShouldNotBeNull().ShouldStartWith("/bin/sh -c 'echo"); // shell-quoted, as show <events file> names it
            job.RecipeMeta.ShouldNotBeNull().ShouldContain("project.bri");
            job.StoppedAt.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(job.StartedAt);
            job.LocalPath.ShouldBe(Path.Combine(Home, "jobs", job.Id, "events.bin.zst"));
            view.Project.ShouldNotBeNull().LocalProjectPath.ShouldBe(project);
            view.Build.ShouldNotBeNull().Id.ShouldBe(outcome.BuildId);
        }

        var first = ProcessLog.Read(jobs.Single(j => j.Name!.Contains("hello-stdout")).LocalPath!);
        first.EndedAbruptly.ShouldBeFalse();
        first.Exit.ShouldBeOfType<ExitedEvent>().ExitCode.ShouldBe(0);
        first.OutputLines.Select(l => l.Text).ShouldBe(["hello-stdout", "hello-stderr"], ignoreOrder: true);

        // The copy is byte-for-byte Brioche's file: a complete zstd stream with its seek table.
        RequiredTools.Require("zstd");
        var test = await ProcessRunner.RunAsync("zstd", ["-t", jobs[0].LocalPath!]);
        test.ExitCode.ShouldBe(0, test.Describe());

        var build = store.GetBuild(outcome.BuildId!).ShouldNotBeNull();
        build.Build.State.ShouldBe(RunState.Finished);
        build.Build.Result.ShouldBe(RunResult.Succeeded);
        build.Projects.Single().Kind.ShouldBe(JobKind.Brioche);
        build.Projects.Single().Name.ShouldBe("hello");
        _observer.Started.Count.ShouldBe(2);
        _observer.Finished.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Failed_job_is_recorded_failed_with_its_exit_code_and_attributed_from_brioches_message()
    {
        var project = FakeBriocheProject.Write(_temp.Combine("broken"), "broken",
        [
            new FakeProcess("echo fine; sleep 0.2"),
            new FakeProcess("echo compiling; echo 'cc: fatal error: no input files' >&2; exit 3"),
            new FakeProcess("echo never-runs"),
        ]);

        var outcome = await Recorder().RunAsync([new BriocheProjectSpec(project)], Timeout());

        outcome.Succeeded.ShouldBeFalse();
        var result = outcome.Projects.Single();
        result.ExitCode.ShouldBe(1);
        var error = result.Errors.ShouldHaveSingleItem();
        error.ProjectSource.ShouldBe(project);
        error.Message.ShouldContain("process failed, view full output by running `brioche jobs logs ");
        result.Jobs.Count.ShouldBe(2, "the stand-in stops baking after the first failure");
        var failed = result.FailedJob.ShouldNotBeNull();
        failed.Id.ShouldBe(error.JobId);
        error.EventsPath.ShouldBe(Path.Combine(ProcessTemp, failed.Id, "events.bin.zst"));
        Directory.Exists(Path.Combine(ProcessTemp, failed.Id)).ShouldBeTrue("Brioche keeps the folder of a failed job");

        using var store = OpenStore();
        var job = store.GetJob(failed.Id).ShouldNotBeNull().Job;
        job.State.ShouldBe(RunState.Finished);
        job.Result.ShouldBe(RunResult.Failed);
        job.ExitCode.ShouldBe(3);
        job.LocalPath.ShouldBe(Path.Combine(Home, "jobs", job.Id, "events.bin.zst"));
        var log = ProcessLog.Read(job.LocalPath!);
        log.OutputLines.Select(l => l.Text).ShouldContain("cc: fatal error: no input files");
        log.Spawned.ShouldNotBeNull().Pid.ShouldBe((uint)job.Pid!.Value);
        store.GetJob(result.Jobs.Single(j => j.Id != failed.Id).Id).ShouldNotBeNull().Job.Result.ShouldBe(RunResult.Succeeded);
        var build = store.GetBuild(outcome.BuildId!).ShouldNotBeNull().Build;
        build.State.ShouldBe(RunState.Finished);
        build.Result.ShouldBe(RunResult.Failed);
    }

    [Fact]
    public async Task Keep_temps_keeps_succeeded_folders_and_export_and_output_reach_brioche()
    {
        var project = FakeBriocheProject.Write(_temp.Combine("multi"), "multi",
            new Dictionary<string, (IReadOnlyList<FakeProcess>, int)>
            {
                ["default"] = ([new FakeProcess("exit 9")], 1),
                ["tools"] = ([new FakeProcess("echo tools-built")], 1),
            });
        var output = _temp.Combine("out");

        var outcome = await Recorder().RunAsync([new BriocheProjectSpec(project, Export: "tools", Output: output, KeepTemps: true)], Timeout());

        outcome.Succeeded.ShouldBeTrue(string.Join('\n', outcome.Projects[0].OutputTail));
        var job = outcome.Jobs.ShouldHaveSingleItem();
        job.Result.ShouldBe(RunResult.Succeeded);
        Directory.Exists(Path.Combine(ProcessTemp, job.Id)).ShouldBeTrue("--keep-temps keeps the folder of a succeeded job");
        File.ReadAllText(Path.Combine(output, "brioche-fake-output.txt")).ShouldBe("multi^tools\n");
        ProcessLog.Read(job.LocalPath!).OutputLines.Single().Text.ShouldBe("tools-built");
        outcome.Projects[0].Project.Name.ShouldBe("multi^tools");
    }

    [Fact]
    public async Task Cancelling_kills_brioches_process_tree_and_records_job_and_build_cancelled()
    {
        var marker = Guid.NewGuid().ToString("N");
        var project = FakeBriocheProject.Write(_temp.Combine("slow"), "slow",
            [new FakeProcess("echo started; sleep 60; echo never", new Dictionary<string, string> { ["BJ_TEST_MARKER"] = marker })]);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        _observer.OnJobStarted = _ => cancellation.CancelAfter(TimeSpan.FromMilliseconds(500));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcome = await Recorder().RunAsync([new BriocheProjectSpec(project)], cancellation.Token);

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30));
        outcome.Cancelled.ShouldBeTrue();
        var job = outcome.Jobs.ShouldHaveSingleItem();
        job.State.ShouldBe(RunState.Cancelled);
        ProcessTree.WithEnvironment(marker).ShouldBeEmpty("brioche's whole tree, down to the job's sleep, is killed");

        using var store = OpenStore();
        store.GetJob(job.Id).ShouldNotBeNull().Job.State.ShouldBe(RunState.Cancelled);
        store.GetBuild(outcome.BuildId!).ShouldNotBeNull().Build.State.ShouldBe(RunState.Cancelled);
        ProcessLog.Read(job.LocalPath!).OutputLines.Select(l => l.Text).ShouldBe(["started"]);
    }

    [Fact]
    public async Task Parallel_jobs_are_each_recorded()
    {
        var project = FakeBriocheProject.Write(_temp.Combine("par"), "par",
            Enumerable.Range(1, 3).Select(i => new FakeProcess($"sleep 0.6; echo job-{i}")).ToList(), concurrency: 3);

        var outcome = await Recorder().RunAsync([new BriocheProjectSpec(project)], Timeout());

        outcome.Succeeded.ShouldBeTrue();
        var jobs = outcome.Jobs.ToList();
        jobs.Count.ShouldBe(3);
        jobs.Select(j => j.Id).Distinct().Count().ShouldBe(3);
        jobs.Select(j => j.Pid).Distinct().Count().ShouldBe(3);
        jobs.Max(j => j.StartedAt).ShouldBeLessThan(jobs.Min(j => j.StoppedAt!.Value), "the three ran at the same time");
        jobs.Select(j => ProcessLog.Read(j.LocalPath!).OutputLines.Single().Text).ShouldBe(["job-1", "job-2", "job-3"], ignoreOrder: true);
    }

    [Fact]
    public async Task Several_projects_get_a_row_each_in_one_build()
    {
        var a = FakeBriocheProject.Write(_temp.Combine("a"), "a", [new FakeProcess("echo a; sleep 0.1")]);
        var b = FakeBriocheProject.Write(_temp.Combine("b"), "b", [new FakeProcess("echo b; sleep 0.1")]);

        var outcome = await Recorder().RunAsync([new BriocheProjectSpec(a), new BriocheProjectSpec(b)], Timeout());

        outcome.Succeeded.ShouldBeTrue();
        using var store = OpenStore();
        var build = store.GetBuild(outcome.BuildId!).ShouldNotBeNull();
        build.Projects.Select(p => p.LocalProjectPath).ShouldBe([a, b], ignoreOrder: true);
        build.Jobs.Count.ShouldBe(2);
        build.Jobs.Select(j => j.Project!.Name).ShouldBe(["a", "b"], ignoreOrder: true);
    }

    [Fact]
    public async Task Missing_brioche_is_one_clear_error()
    {
        var project = FakeBriocheProject.Write(_temp.Combine("p"), "p", []);

        var error = await Should.ThrowAsync<BriocheJobException>(
            () => Recorder(briocheExe: _temp.Combine("no-such-brioche")).RunAsync([new BriocheProjectSpec(project)], Timeout()));

        error.Code.ShouldBe(Catalog.BriocheBuild.BriocheNotFound);
        error.Message.ShouldContain("no-such-brioche");
        error.Message.ShouldContain("BriocheExe");
    }

    [Fact]
    public async Task Unusable_store_is_a_warning_and_the_build_still_runs()
    {
        var project = FakeBriocheProject.Write(_temp.Combine("p"), "p", [new FakeProcess("echo ok; sleep 0.1")]);
        var homeIsAFile = _temp.WriteFile("home-file", "not a folder");

        var outcome = await Recorder(home: homeIsAFile).RunAsync([new BriocheProjectSpec(project)], Timeout());

        outcome.Succeeded.ShouldBeTrue();
        outcome.BuildId.ShouldBeNull();
        outcome.Jobs.ShouldHaveSingleItem().Result.ShouldBe(RunResult.Succeeded);
        _observer.Warnings.ShouldContain(w => w.Code == Catalog.BriocheBuild.RecordingFailed);
    }

    [Fact]
    public async Task Jobs_kept_from_earlier_runs_are_not_recorded_again()
    {
        var project = FakeBriocheProject.Write(_temp.Combine("p"), "p", [new FakeProcess("exit 1")]);
        var first = await Recorder().RunAsync([new BriocheProjectSpec(project)], Timeout());
        var second = await Recorder().RunAsync([new BriocheProjectSpec(project)], Timeout());

        first.Jobs.ShouldHaveSingleItem();
        second.Jobs.ShouldHaveSingleItem().Id.ShouldNotBe(first.Jobs.Single().Id);
    }

    [Fact]
    public async Task Concurrent_builds_sharing_data_dir_and_home_each_record_only_their_own_jobs_intact()
    {
        // Two MSBuild nodes building two projects at once (dotnet build -m), with one BRIOCHE_DATA_DIR and one data home.
        var keptProject = FakeBriocheProject.Write(_temp.Combine("kept"), "kept",
            Enumerable.Range(1, 3).Select(i => new FakeProcess($"echo kept-start-{i}; sleep 0.7; echo kept-marker-{i}")).ToList(), concurrency: 2);
        var deletedProject = FakeBriocheProject.Write(_temp.Combine("deleted"), "deleted",
            Enumerable.Range(1, 3).Select(i => new FakeProcess($"echo deleted-start-{i}; sleep 0.5; echo deleted-marker-{i}")).ToList());
        var keptObserver = new RecordingObserver();
        var deletedObserver = new RecordingObserver();
        BriocheBuildRecorder RecorderFor(RecordingObserver observer) => new(new BriocheBuildOptions
        {
            BriocheExe = FakeBriocheProject.Executable,
            Home = Home,
            BriocheDataDir = DataDir,
            ExternalBuildId = "it-" + Guid.NewGuid().ToString("N"),
        }, observer);

        var outcomes = await Task.WhenAll(
            RecorderFor(keptObserver).RunAsync([new BriocheProjectSpec(keptProject, KeepTemps: true)], Timeout()),
            RecorderFor(deletedObserver).RunAsync([new BriocheProjectSpec(deletedProject)], Timeout()));

        var (kept, deleted) = (outcomes[0], outcomes[1]);
        kept.Succeeded.ShouldBeTrue(string.Join('\n', kept.Projects[0].OutputTail));
        deleted.Succeeded.ShouldBeTrue(string.Join('\n', deleted.Projects[0].OutputTail));
        keptObserver.Warnings.ShouldBeEmpty();
        deletedObserver.Warnings.ShouldBeEmpty();
        kept.Jobs.Select(j => j.Id).Intersect(deleted.Jobs.Select(j => j.Id)).ShouldBeEmpty();
        keptObserver.Started.Count.ShouldBe(3);
        deletedObserver.Started.Count.ShouldBe(3);

        kept.Jobs.Min(j => j.StartedAt).ShouldBeLessThan(deleted.Jobs.Max(j => j.StoppedAt!.Value), "the two builds' jobs overlapped");
        deleted.Jobs.Min(j => j.StartedAt).ShouldBeLessThan(kept.Jobs.Max(j => j.StoppedAt!.Value), "the two builds' jobs overlapped");

        RequiredTools.Require("zstd");
        using var store = OpenStore();
        foreach (var (outcome, prefix) in new[] { (kept, "kept"), (deleted, "deleted") })
        {
            outcome.Jobs.Count().ShouldBe(3);
            store.GetBuild(outcome.BuildId!).ShouldNotBeNull().Jobs.Select(j => j.Job.Id)
                .ShouldBe(outcome.Jobs.Select(j => j.Id), ignoreOrder: true);
            var markers = new List<string>();
            foreach (var job in outcome.Jobs)
            {
                job.Result.ShouldBe(RunResult.Succeeded);
                var copy = job.LocalPath.ShouldNotBeNull();
                copy.ShouldBe(Path.Combine(Home, "jobs", job.Id, "events.bin.zst"));
                var test = await ProcessRunner.RunAsync("zstd", ["-t", copy]);
                test.ExitCode.ShouldBe(0, test.Describe());
                var lines = ProcessLog.Read(copy).OutputLines.Select(l => l.Text).ToList();
                lines.Count.ShouldBe(2);
                lines.ShouldAllBe(line => line.StartsWith(prefix + "-"));
                markers.Add(lines.Single(line => line.Contains("-marker-")));
                store.GetJob(job.Id).ShouldNotBeNull().Project.ShouldNotBeNull().Name.ShouldBe(prefix);
            }

            markers.ShouldBe(Enumerable.Range(1, 3).Select(i => $"{prefix}-marker-{i}"), ignoreOrder: true);
        }

        foreach (var job in kept.Jobs)
        {
            File.ReadAllBytes(job.LocalPath!).ShouldBe(File.ReadAllBytes(Path.Combine(ProcessTemp, job.Id, "events.bin.zst")),
                $"the copy of kept job {job.Id} is byte-identical to Brioche's file");
        }
    }

    private sealed class RecordingObserver : IBriocheBuildObserver
    {
        public ConcurrentQueue<JobRecord> Started { get; } = new();

        public ConcurrentQueue<JobRecord> Finished { get; } = new();

        public ConcurrentQueue<(string Code, string Message)> Warnings { get; } = new();

        public Action<JobRecord>? OnJobStarted { get; set; }

        public void JobStarted(BriocheProjectSpec project, JobRecord job)
        {
            Started.Enqueue(job);
            OnJobStarted?.Invoke(job);
        }

        public void JobFinished(BriocheProjectSpec project, JobRecord job) => Finished.Enqueue(job);

        public void Problem(string code, string message) => Warnings.Enqueue((code, message));
    }
}
