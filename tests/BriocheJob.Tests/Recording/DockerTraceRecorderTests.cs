using System.Text;
using BriocheJob.Brioche;
using BriocheJob.BuildKit;
using BriocheJob.Docker;
using BriocheJob.Recording;
using BriocheJob.Store;
using BriocheJob.Tests.Store;
using static BriocheJob.Tests.Recording.DockerStepTestData;

namespace BriocheJob.Tests.Recording;

/// <summary>The recorder between records: jobs saved as steps start and updated as they end; events from BuildKit's clock.</summary>
public sealed class DockerTraceRecorderTests : IDisposable
{
    private const string RunName = "[base 3/3] RUN echo \"$FOO\" &&     exit 3";
    private readonly TempHome _temp = new();

    public void Dispose() => _temp.Dispose();

    private (RecordingSession Session, DockerTraceRecorder Recorder, BuildKitTraceDecoder Decoder) Start(bool saveEachJob = true)
    {
        var session = RecordingSession.Begin(new RecordingOptions(BuildOrigin.MsBuild, _temp.Home.Root, "ext-1"));
        var project = session.AddProject(new ProjectRequest(JobKind.Docker, "app", LocalProjectPath: "/ctx/Dockerfile"));
        var dockerfile = DockerfileParser.Parse(DockerStepTestData.Dockerfile);
        var recorder = new DockerTraceRecorder(session, project, new DockerImageSpec("app", "/ctx", "/ctx/Dockerfile"),
            "/ctx/Dockerfile", dockerfile, null, saveEachJob);
        return (session, recorder, new BuildKitTraceDecoder(recorder));
    }

    private static void Feed(BuildKitTraceDecoder decoder, DockerTraceRecorder recorder, string line)
    {
        decoder.FeedRawJsonLine(Encoding.UTF8.GetBytes(line));
        recorder.Flush();
    }

    [Fact]
    public void Job_is_saved_running_when_the_step_starts_and_updated_when_it_fails()
    {
        var (session, recorder, decoder) = Start();
        using var _ = session;
        using var __ = recorder;

        Feed(decoder, recorder, Vertex("sha256:run", RunName));
        session.Store.GetBuild(session.Build.Id)!.Jobs.ShouldBeEmpty(); // announced, not started: nothing yet

        Feed(decoder, recorder, Vertex("sha256:run", RunName, 1));
        var running = session.Store.GetBuild(session.Build.Id)!.Jobs.ShouldHaveSingleItem().Job;
        running.State.ShouldBe(RunState.Running);
        running.LocalPath.ShouldNotBeNull();
        File.Exists(running.LocalPath).ShouldBeTrue(); // followers can open it while the step runs

        Feed(decoder, recorder, Log("sha256:run", 1, "bar\npart", 1.25));
        Feed(decoder, recorder, Log("sha256:run", 2, "oops\n", 1.5));
        Feed(decoder, recorder, Vertex("sha256:run", RunName, 1, 2, error: FailedRunError));
        decoder.Finish();
        recorder.Finish(DockerBuildEnd.Failed);

        var failed = session.Store.GetJob(running.Id)!.Job;
        failed.State.ShouldBe(RunState.Finished);
        failed.Result.ShouldBe(RunResult.Failed);
        failed.ExitCode.ShouldBe(3);

        var events = ReadEvents(failed.LocalPath!);
        events.OfType<DescriptionEvent>().Single().Description.CreatedAt.ShouldBe(T0.AddSeconds(1));
        var outputs = events.OfType<OutputEvent>().ToList();
        // Each BuildKit chunk is written as it arrives (not split into lines, nothing held back), its elapsed time
        // from BuildKit's log timestamp relative to the step's start; the unfinished last line is kept.
        outputs.Select(o => (o.Stream, Encoding.UTF8.GetString(o.Data.Span), o.ElapsedMilliseconds)).ShouldBe(
        [
            (OutputStream.Stdout, "bar\npart", 250u),
            (OutputStream.Stderr, "oops\n", 500u),
        ]);
        var exit = events.Last().ShouldBeOfType<ExitedEvent>();
        exit.ExitCode.ShouldBe(3);
        exit.ElapsedMilliseconds.ShouldBe(1000u);
    }

    [Fact]
    public void Finish_records_steps_left_running_as_cancelled_with_an_exit_message()
    {
        var (session, recorder, decoder) = Start();
        using var _ = session;
        using var __ = recorder;
        Feed(decoder, recorder, Vertex("sha256:run", RunName, 1));
        Feed(decoder, recorder, Vertex("sha256:other", "[base 2/3] WORKDIR /src"));

        decoder.Finish();
        recorder.Finish(DockerBuildEnd.Cancelled, T0.AddSeconds(5));

        var jobs = session.Store.GetBuild(session.Build.Id)!.Jobs.Select(j => j.Job).ToList();
        jobs.Count.ShouldBe(2);
        jobs.ShouldAllBe(j => j.State == RunState.Cancelled && j.StoppedAt != null);
        var run = jobs.Single(j => j.RecipeHash == "sha256:run");
        run.StoppedAt.ShouldBe(T0.AddSeconds(5));
        ReadEvents(run.LocalPath!).Last().ShouldBeOfType<ExitedWithMessageEvent>().Message.ShouldBe("cancelled");
    }

    [Fact]
    public void A_cached_run_step_logs_that_no_process_ran_and_has_no_exit_code_while_a_run_that_ran_keeps_its_code_0_line()
    {
        var (session, recorder, decoder) = Start();
        using var _ = session;
        using var __ = recorder;
        Feed(decoder, recorder, Vertex("sha256:cachedrun", RunName, 0.5, 0.5, cached: true));
        Feed(decoder, recorder, Vertex("sha256:ran", RunName, 1));
        Feed(decoder, recorder, Vertex("sha256:ran", RunName, 1, 2));
        decoder.Finish();
        recorder.Finish(DockerBuildEnd.Succeeded);

        var jobs = session.Store.GetBuild(session.Build.Id)!.Jobs.Select(j => j.Job).ToList();
        var cached = jobs.Single(j => j.RecipeHash == "sha256:cachedrun");
        cached.Cached.ShouldBeTrue();
        cached.ExitCode.ShouldBeNull();
        var cachedLog = ProcessLog.Read(cached.LocalPath!);
        cachedLog.Description!.CommandDisplay.ShouldNotBeEmpty(); // the command is still named, only not run
        cachedLog.Lines.Last().Render().ShouldEndWith("[cached: no process ran in this build]");
        cachedLog.Lines.ShouldNotContain(l => l.Text.Contains("process exited"));
        // Read back from its events file alone (show PATH, import), it is the same record.
        var (fromEvents, _) = BriocheImport.ToJob(cached.Id, cachedLog, cached.LocalPath, T0);
        fromEvents.ExitCode.ShouldBeNull();
        fromEvents.Cached.ShouldBeTrue();
        fromEvents.Result.ShouldBe(RunResult.Succeeded);

        var ran = jobs.Single(j => j.RecipeHash == "sha256:ran");
        ran.Cached.ShouldBeFalse();
        ran.ExitCode.ShouldBe(0);
        ProcessLog.Read(ran.LocalPath!).Lines.Last().Render().ShouldEndWith("[process exited with code 0]");
    }

    [Fact]
    public void Import_mode_saves_all_jobs_at_the_end_with_the_same_mapping()
    {
        var (session, recorder, decoder) = Start(saveEachJob: false);
        using var _ = session;
        using var __ = recorder;
        decoder.FeedRawJsonLine(Encoding.UTF8.GetBytes(Vertex("sha256:run", RunName, 1)));
        decoder.FeedRawJsonLine(Encoding.UTF8.GetBytes(Vertex("sha256:cached", "[base 2/3] WORKDIR /src", 0.5, 0.5, cached: true)));
        decoder.FeedRawJsonLine(Encoding.UTF8.GetBytes(Vertex("sha256:run", RunName, 1, 2, error: FailedRunError)));
        session.Store.GetBuild(session.Build.Id)!.Jobs.ShouldBeEmpty();

        decoder.Finish();
        recorder.Flush();
        recorder.Finish(DockerBuildEnd.Failed);

        var jobs = session.Store.GetBuild(session.Build.Id)!.Jobs.Select(j => j.Job).ToList();
        jobs.Single(j => j.RecipeHash == "sha256:cached").Cached.ShouldBeTrue();
        jobs.Single(j => j.RecipeHash == "sha256:run").ExitCode.ShouldBe(3);
        recorder.RecordedJobCount.ShouldBe(2);
    }

    [Fact]
    public void A_store_that_fails_is_a_reported_problem_not_an_exception()
    {
        var (session, recorder, decoder) = Start();
        var listener = new ProblemListener();
        using var broken = new DockerTraceRecorder(session, null, null, null, null, listener, saveEachJob: true);
        var brokenDecoder = new BuildKitTraceDecoder(broken);
        session.Dispose(); // the store is closed under the recorder
        recorder.Dispose();

        Should.NotThrow(() =>
        {
            brokenDecoder.FeedRawJsonLine(Encoding.UTF8.GetBytes(Vertex("sha256:run", RunName, 1, 2)));
            broken.Flush();
        });

        listener.Problems.ShouldNotBeEmpty();
        broken.Steps.ShouldHaveSingleItem().Recorded.ShouldBeFalse();
    }

    [Fact]
    public async Task A_step_printing_64_MiB_is_recorded_into_its_events_file_in_bounded_memory()
    {
        var session = RecordingSession.Begin(new RecordingOptions(BuildOrigin.MsBuild, _temp.Home.Root, "ext-big"));
        using var _ = session;
        var project = session.AddProject(new ProjectRequest(JobKind.Docker, "app", LocalProjectPath: "/ctx/Dockerfile"));
        using var recorder = new DockerTraceRecorder(session, project, new DockerImageSpec("app", "/ctx", "/ctx/Dockerfile"),
            "/ctx/Dockerfile", DockerfileParser.Parse(DockerStepTestData.Dockerfile), null, saveEachJob: true);
        var decoder = new BuildKitTraceDecoder(recorder, TraceLogRetention.Tail);
        Feed(decoder, recorder, Vertex("sha256:run", RunName, 1));

        var line = "[ 42%] Building CXX object src/CMakeFiles/app.dir/module.cpp.o -O2 -Wall\n"u8;
        var chunk = new byte[32 * 1024];
        for (int at = 0; at < chunk.Length; at += line.Length)
        {
            line[..Math.Min(line.Length, chunk.Length - at)].CopyTo(chunk.AsSpan(at));
        }

        chunk[^1] = 0xFF; // not UTF-8, and no line ends there: bytes are recorded as they are
        var record = BriocheJob.Tests.BuildKit.StreamingDecoderTests.LogRecord(1, chunk, 1.5, "sha256:run");
        decoder.FeedStatusResponse(record, 0, record.Length); // warm-up: events file open, buffers sized
        recorder.Flush();
        const int Records = 2048;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Records; i++)
        {
            decoder.FeedStatusResponse(record, 0, record.Length);
            recorder.Flush();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Feed(decoder, recorder, Vertex("sha256:run", RunName, 1, 60));
        decoder.Finish();
        recorder.Finish(DockerBuildEnd.Succeeded);

        long recorded = (long)Records * chunk.Length;
        // Per record: the protobuf reader and the compressor's bookkeeping; nothing in proportion to the bytes.
        allocated.ShouldBeLessThan(recorded / 64);
        var vertex = decoder.Vertices.ShouldHaveSingleItem();
        vertex.Tail.ShouldNotBeNull().HeldBytes.ShouldBeLessThanOrEqualTo(2 * LogTail.Capacity);
        var job = session.Store.GetBuild(session.Build.Id)!.Jobs.ShouldHaveSingleItem().Job;
        job.Result.ShouldBe(RunResult.Succeeded);
        long written = 0, matching = 0;
        using (var reader = ProcessEventsReader.Open(job.LocalPath!))
        {
            while (await reader.ReadNextAsync() is { } e)
            {
                if (e is OutputEvent output)
                {
                    written += output.Data.Length;
                    matching += output.Data.Span.SequenceEqual(chunk) ? 1 : 0;
                }
            }
        }

        written.ShouldBe(recorded + chunk.Length);
        matching.ShouldBe(Records + 1);
    }

    private static List<ProcessEvent> ReadEvents(string path)
    {
        var events = new List<ProcessEvent>();
        using var reader = ProcessEventsReader.Open(path);
        while (reader.ReadNextAsync().AsTask().GetAwaiter().GetResult() is { } e)
        {
            events.Add(e);
        }

        return events;
    }

    private sealed class ProblemListener : IDockerBuildListener
    {
        public List<string> Problems { get; } = [];
        public void Problem(string code, string message) => Problems.Add(code + " " + message);
    }
}
