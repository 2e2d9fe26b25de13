using BriocheJob.BuildKit;
using BriocheJob.Diagnostics;
using static BriocheJob.Tests.BuildKit.TraceTestData;

namespace BriocheJob.Tests.BuildKit;

/// <summary>Streams captured from a real Docker Engine 20.10 (BuildKit) /build; the Dockerfiles are in data/.</summary>
public class CapturedStreamTests
{
    private const string ImageId = "sha256:adbd719c2028285720446c27cbe6e27a8a3bbb279e4bcf9ad887bd923f0c31f8";
    private const string FailingRun = "[2/2] RUN echo \"before failure\" && echo \"bad thing happened\" >&2 && exit 3";

    [Fact]
    public void Successful_build_has_every_step_its_output_and_the_image_id()
    {
        var trace = Decode(Read("success.jsonl"));

        trace.Encoding.ShouldBe(TraceEncoding.JsonLines);
        trace.Malformed.Total.ShouldBe(0);
        trace.Succeeded.ShouldBeTrue();
        trace.ImageId.ShouldBe(ImageId);
        trace.Messages.ShouldContain("Successfully tagged bk-capture-ok:latest\n");
        trace.Vertices.Select(v => v.Name).ShouldBe([
            "[internal] load remote build context",
            "copy /context /",
            "[internal] load metadata for docker.io/library/busybox:local",
            "[builder 1/3] FROM docker.io/library/busybox:local",
            "[builder 2/3] RUN echo \"hello from stdout\" && echo \"warning: to stderr ✓\" >&2 && echo line3",
            "[builder 3/3] RUN ls / > /listing.txt && cat /listing.txt",
            "[stage-1 2/3] COPY --from=builder /listing.txt /out.txt",
            "[stage-1 3/3] RUN cat /out.txt",
            "exporting to image",
        ]);
        trace.Vertices.ShouldAllBe(v => v.Completed != null && v.Started != null && v.Error == null);

        var echo = trace.Vertices[4];
        echo.Cached.ShouldBeFalse();
        echo.Stdout.ShouldBe("hello from stdout\nline3\n");
        echo.Stderr.ShouldBe("warning: to stderr ✓\n");
        echo.Inputs.ShouldBe([trace.Vertices[3].Digest]);
        echo.ParsedName.ShouldBe(new VertexName("builder", 2, 3, "RUN",
            "echo \"hello from stdout\" && echo \"warning: to stderr ✓\" >&2 && echo line3", false, null));
        trace.Vertices[3].Cached.ShouldBeTrue(); // an imported base image is always "cached"

        var copy = trace.Vertices[6];
        copy.Inputs.Count.ShouldBe(2); // the stage's base and the builder's result
        trace.Vertices[7].Lines.Select(l => l.Text).ShouldBe(["bin", "dev", "etc", "listing.txt", "proc", "sys"]);
        trace.Vertices[8].Statuses.Select(s => s.Id).ShouldContain($"writing image {ImageId}");
    }

    [Fact]
    public void Failing_run_gives_the_step_error_exit_code_and_its_output()
    {
        var observer = new RecordingObserver();
        var trace = Decode(Read("failure.jsonl"), observer: observer);

        trace.Succeeded.ShouldBeFalse();
        trace.ImageId.ShouldBeNull();
        var failed = trace.FailedVertex.ShouldNotBeNull();
        failed.Name.ShouldBe(FailingRun);
        failed.Number.ShouldBe(5);
        failed.Error.ShouldBe("executor failed running [/bin/sh -c echo \"before failure\" && echo \"bad thing happened\" >&2 && exit 3]: exit code: 3");
        failed.ExitCode.ShouldBe(3);
        ProcessFailure.TryParse(failed.Error)!.Command.ShouldBe("/bin/sh -c echo \"before failure\" && echo \"bad thing happened\" >&2 && exit 3");
        failed.Stdout.ShouldBe("before failure\n");
        failed.Stderr.ShouldBe("bad thing happened\n");
        trace.BuildError.ShouldBe(failed.Error);
        trace.ExitCode.ShouldBe(3);
        trace.Vertices.Count(v => v.Error != null).ShouldBe(1);

        observer.Events.ShouldContain($"failed {FailingRun}: {failed.Error}");
        int failedAt = observer.Events.IndexOf($"failed {FailingRun}: {failed.Error}");
        observer.Events.IndexOf($"started {FailingRun}").ShouldBeLessThan(failedAt);
        observer.Events.IndexOf($"line {FailingRun} 1: before failure").ShouldBeLessThan(failedAt);
        observer.Events[^1].ShouldBe($"error {failed.Error}");
    }

    [Fact]
    public void Cached_rebuild_marks_the_steps_cached_without_output()
    {
        var observer = new RecordingObserver();
        var trace = Decode(Read("cached.jsonl"), observer: observer);

        trace.Succeeded.ShouldBeTrue();
        trace.ImageId.ShouldBe(ImageId);
        var runs = trace.Vertices.Where(v => v.ParsedName.Instruction is "RUN" or "COPY").ToList();
        runs.Count.ShouldBe(4);
        runs.ShouldAllBe(v => v.Cached && v.Lines.Count == 0 && v.Stdout == "" && v.Error == null);
        observer.Events.Count(e => e.StartsWith("cached [")).ShouldBeGreaterThanOrEqualTo(4);
        // The same Dockerfile gives the same step digests as the uncached build.
        var uncached = Decode(Read("success.jsonl"));
        runs.Select(v => v.Digest).ShouldBeSubsetOf(uncached.Vertices.Select(v => v.Digest));
    }

    [Fact]
    public async Task A_stream_read_one_byte_at_a_time_decodes_the_same()
    {
        byte[] input = Read("failure.jsonl");
        var whole = Decode(input);
        var trickled = await BuildKitTrace.DecodeAsync(new TrickleStream(input));
        BuildTraceJson.ToJson(trickled).ShouldBe(BuildTraceJson.ToJson(whole));
        trickled.DecodedRecords.ShouldBe(whole.DecodedRecords);
    }

    [Fact]
    public async Task Decoding_a_file_reports_missing_files_and_honours_cancellation()
    {
        var trace = await BuildKitTrace.DecodeFileAsync(DataPath("success.jsonl"));
        trace.Vertices.Count.ShouldBe(9);

        var missing = await Should.ThrowAsync<BriocheJobException>(() => BuildKitTrace.DecodeFileAsync(DataPath("nope.jsonl")));
        missing.Code.ShouldBe(Catalog.BuildKit.TraceFileNotFound);
        missing.Kind.ShouldBe(ErrorKind.NotFound);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Should.ThrowAsync<OperationCanceledException>(() =>
            BuildKitTrace.DecodeAsync(new MemoryStream(Read("success.jsonl")), cancellationToken: cancelled.Token));
    }

    /// <summary>Hands out one byte per read, like a slow socket.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(1, count));
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
