using BriocheJob.Brioche;
using BriocheJob.BuildKit;
using BriocheJob.Docker;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Docker;

/// <summary>Real image builds through <see cref="DockerBuildRecorder"/>, checked in the store and the events files.</summary>
public sealed class DockerBuildRecordingTests : IDisposable
{
    private readonly DockerRecordingFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public async Task Success_records_every_step_with_stdout_and_stderr_in_its_events_file()
    {
        var marker = DockerRecordingFixture.NewMarker();
        _fx.WriteDockerfile($"""
            FROM busybox:local
            ENV GREETING=hello
            RUN echo "out-{marker}" && echo "err-{marker}" >&2
            """);

        var (outcome, build, listener) = await _fx.BuildAndRecordAsync(_fx.Spec());

        outcome.End.ShouldBe(DockerBuildEnd.Succeeded, outcome.Error);
        outcome.ImageId.ShouldNotBeNull().ShouldStartWith("sha256:");
        build.Projects.ShouldHaveSingleItem().Kind.ShouldBe(JobKind.Docker);
        build.Projects[0].LocalProjectPath.ShouldBe(Path.Combine(_fx.Context, "Dockerfile"));
        // One job per vertex the engine reported, all finished and succeeded.
        build.Jobs.Count.ShouldBe(outcome.Trace!.Vertices.Count);
        build.Jobs.ShouldAllBe(j => j.Job.State == RunState.Finished && j.Job.Result == RunResult.Succeeded);
        build.Jobs.Select(j => j.Job.RecipeHash).ShouldBe(outcome.Trace.Vertices.Select(v => v.Digest), ignoreOrder: true);

        var run = DockerRecordingFixture.JobAtLine(build, 3);
        run.Name.ShouldNotBeNull().ShouldContain("RUN echo");
        run.ExitCode.ShouldBe(0);
        run.StartedAt.ShouldBeLessThanOrEqualTo(run.StoppedAt!.Value);
        var meta = DockerStepMeta.TryParse(run.RecipeMeta).ShouldNotBeNull();
        meta.Dockerfile.ShouldBe(Path.Combine(_fx.Context, "Dockerfile"));
        meta.Keyword.ShouldBe("RUN");
        meta.Image.ShouldBe(build.Projects[0].Name);

        var events = await DockerRecordingFixture.ReadEventsAsync(run);
        var description = events.OfType<DescriptionEvent>().Single().Description;
        description.Recipe.GetProperty("type").GetString().ShouldBe("docker_step");
        description.Recipe.GetProperty("line").GetInt32().ShouldBe(3);
        description.SandboxConfig.Env["GREETING"].ToDisplayString().ShouldBe("hello");
        (description.CreatedAt!.Value - run.StartedAt).Duration().ShouldBeLessThan(TimeSpan.FromMilliseconds(1));
        DockerRecordingFixture.Output(events, OutputStream.Stdout).ShouldContain($"out-{marker}\n");
        DockerRecordingFixture.Output(events, OutputStream.Stderr).ShouldContain($"err-{marker}\n");
        events.Last().ShouldBeOfType<ExitedEvent>().ExitCode.ShouldBe(0);

        listener.Events.ShouldContain(e => e.Event == "started" && e.Step.Line == 3);
        listener.Events.ShouldContain(e => e.Event == "completed" && e.Step.Line == 3);
        listener.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task Failing_run_is_a_failed_job_with_its_exit_code_marker_and_line()
    {
        var marker = DockerRecordingFixture.NewMarker("bj-fail");
        _fx.WriteDockerfile($"""
            FROM busybox:local
            WORKDIR /work
            RUN echo "before-{marker}"
            RUN echo "{marker}" >&2 && \
                exit 7
            RUN echo never
            """);

        var (outcome, build, listener) = await _fx.BuildAndRecordAsync(_fx.Spec());

        outcome.End.ShouldBe(DockerBuildEnd.Failed);
        outcome.Error.ShouldNotBeNull().ShouldContain("exit code: 7");
        var failedStep = outcome.FailedStep.ShouldNotBeNull();
        failedStep.Line.ShouldBe(4);
        failedStep.ExitCode.ShouldBe(7);
        failedStep.LastLines(5).ShouldContain(marker);

        var failed = DockerRecordingFixture.JobAtLine(build, 4);
        failed.Id.ShouldBe(failedStep.JobId);
        failed.State.ShouldBe(RunState.Finished);
        failed.Result.ShouldBe(RunResult.Failed);
        failed.ExitCode.ShouldBe(7);
        failed.Message.ShouldNotBeNull().ShouldContain("exit code: 7");
        var events = await DockerRecordingFixture.ReadEventsAsync(failed);
        DockerRecordingFixture.Output(events, OutputStream.Stderr).ShouldContain(marker);
        events.Last().ShouldBeOfType<ExitedEvent>().ExitCode.ShouldBe(7);
        ProcessLog.Read(failed.LocalPath!).RenderText().ShouldContain(marker);

        // The step before succeeded; the one after never ran.
        DockerRecordingFixture.JobAtLine(build, 3).Result.ShouldBe(RunResult.Succeeded);
        build.Jobs.ShouldNotContain(j => DockerStepMeta.TryParse(j.Job.RecipeMeta)!.Line == 6 && j.Job.Result == RunResult.Succeeded);
        build.Build.Result.ShouldBe(RunResult.Failed);
        listener.Events.Where(e => e.Event == "failed").ShouldHaveSingleItem().Step.Line.ShouldBe(4);
    }

    [Fact]
    public async Task Rebuild_records_the_steps_as_cached_with_no_exit_code_and_a_log_that_says_no_process_ran()
    {
        var marker = DockerRecordingFixture.NewMarker("bj-cache");
        _fx.WriteDockerfile($"""
            FROM busybox:local
            RUN echo "{marker}" > /marker.txt
            RUN cat /marker.txt
            """);
        var spec = _fx.Spec();

        var (first, firstBuild, _) = await _fx.BuildAndRecordAsync(spec);
        var (second, secondBuild, listener) = await _fx.BuildAndRecordAsync(spec);

        first.End.ShouldBe(DockerBuildEnd.Succeeded, first.Error);
        second.End.ShouldBe(DockerBuildEnd.Succeeded, second.Error);
        var ran = DockerRecordingFixture.JobAtLine(firstBuild, 2);
        ran.Cached.ShouldBeFalse();
        ran.ExitCode.ShouldBe(0);
        ProcessLog.Read(ran.LocalPath!).Lines.Last().Render().ShouldEndWith("[process exited with code 0]");
        foreach (var line in new[] { 2, 3 })
        {
            var job = DockerRecordingFixture.JobAtLine(secondBuild, line);
            job.Cached.ShouldBeTrue();
            job.Result.ShouldBe(RunResult.Succeeded);
            job.State.ShouldBe(RunState.Finished);
            // Same step, same digest, new job.
            job.RecipeHash.ShouldBe(DockerRecordingFixture.JobAtLine(firstBuild, line).RecipeHash);
            (await DockerRecordingFixture.ReadEventsAsync(job)).Last().ShouldBeOfType<ExitedEvent>().ExitCode.ShouldBe(0);
            // No process ran in this build: the record has no exit code and the log does not claim one.
            job.ExitCode.ShouldBeNull();
            ProcessLog.Read(job.LocalPath!).Lines.Last().Render().ShouldEndWith("[cached: no process ran in this build]");
        }
        second.ImageId.ShouldBe(first.ImageId);
        listener.Events.Where(e => e.Event == "cached").Select(e => e.Step.Line).ShouldContain(2);
    }

    [Fact]
    public async Task Parallel_stages_are_recorded_with_their_own_stage_and_line()
    {
        var marker = DockerRecordingFixture.NewMarker("bj-par");
        _fx.WriteDockerfile($"""
            FROM busybox:local AS left
            RUN sleep 1 && echo "left-{marker}" > /left.txt

            FROM busybox:local AS right
            RUN sleep 1 && echo "right-{marker}" > /right.txt

            FROM busybox:local
            COPY --from=left /left.txt /left.txt
            COPY --from=right /right.txt /right.txt
            RUN cat /left.txt /right.txt
            """);

        var (outcome, build, _) = await _fx.BuildAndRecordAsync(_fx.Spec());

        outcome.End.ShouldBe(DockerBuildEnd.Succeeded, outcome.Error);
        build.Jobs.Count.ShouldBe(outcome.Trace!.Vertices.Count);
        var expected = new (int Line, string Stage, string Keyword)[]
        {
            (2, "left", "RUN"), (5, "right", "RUN"), (8, "stage-2", "COPY"), (9, "stage-2", "COPY"), (10, "stage-2", "RUN"),
        };
        foreach (var (line, stage, keyword) in expected)
        {
            var meta = DockerStepMeta.TryParse(DockerRecordingFixture.JobAtLine(build, line).RecipeMeta)!;
            meta.Stage.ShouldBe(stage);
            meta.Keyword.ShouldBe(keyword);
        }
        var left = DockerRecordingFixture.JobAtLine(build, 2);
        var right = DockerRecordingFixture.JobAtLine(build, 5);
        // Independent stages ran side by side.
        left.StartedAt.ShouldBeLessThan(right.StoppedAt!.Value);
        right.StartedAt.ShouldBeLessThan(left.StoppedAt!.Value);
        var last = await DockerRecordingFixture.ReadEventsAsync(DockerRecordingFixture.JobAtLine(build, 10));
        DockerRecordingFixture.Output(last, OutputStream.Stdout).ShouldContain($"left-{marker}\nright-{marker}\n");
    }

    [Fact]
    public async Task A_step_whose_log_the_daemon_clips_is_recorded_complete()
    {
        var marker = DockerRecordingFixture.NewMarker("bj-clip");
        _fx.WriteDockerfile($"""
            FROM busybox:local
            RUN echo "{marker}" && busybox yes "a line of output that repeats" | busybox head -c 3000000 && echo done
            """);

        var (outcome, build, listener) = await _fx.BuildAndRecordAsync(_fx.Spec(noCache: true));

        outcome.End.ShouldBe(DockerBuildEnd.Succeeded, outcome.Error);
        var vertex = outcome.Trace!.Vertices.Single(v => v.Name.Contains("busybox yes"));
        vertex.Clipped.ShouldBeTrue();
        var job = DockerRecordingFixture.JobAtLine(build, 2);
        job.Result.ShouldBe(RunResult.Succeeded);
        var events = await DockerRecordingFixture.ReadEventsAsync(job);
        var stdout = DockerRecordingFixture.Output(events, OutputStream.Stdout) + DockerRecordingFixture.Output(events, OutputStream.Stderr);
        stdout.ShouldStartWith(marker);
        stdout.ShouldContain("[output clipped, log limit");
        // Everything the daemon sent, byte for byte, and not more than its limit.
        (vertex.StdoutLength + vertex.StderrLength).ShouldBe(System.Text.Encoding.UTF8.GetByteCount(stdout));
        stdout.Length.ShouldBeLessThan(3_000_000);
        events.Last().ShouldBeOfType<ExitedEvent>().ExitCode.ShouldBe(0);
        listener.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task Cancelling_records_the_build_and_the_running_step_as_cancelled()
    {
        var marker = DockerRecordingFixture.NewMarker("bj-cancel");
        _fx.WriteDockerfile($"""
            FROM busybox:local
            RUN echo "{marker}" && sleep 60
            """);
        using var cancel = new CancellationTokenSource();
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        var (outcome, build, listener) = await _fx.BuildAndRecordAsync(_fx.Spec(noCache: true), cancel.Token,
            (step, _) =>
            {
                if (step.Line == 2)
                {
                    cancel.CancelAfter(TimeSpan.FromSeconds(1));
                }
            });

        stopwatch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(45));
        outcome.End.ShouldBe(DockerBuildEnd.Cancelled);
        build.Build.State.ShouldBe(RunState.Cancelled);
        var run = DockerRecordingFixture.JobAtLine(build, 2);
        run.State.ShouldBe(RunState.Cancelled);
        run.Result.ShouldBeNull();
        run.StoppedAt.ShouldNotBeNull();
        var events = await DockerRecordingFixture.ReadEventsAsync(run);
        events.Last().ShouldBeOfType<ExitedWithMessageEvent>();
        build.Jobs.ShouldNotContain(j => j.Job.State == RunState.Running);
        listener.Events.ShouldContain(e => e.Event == "cancelled" && e.Step.Line == 2);
    }
}
