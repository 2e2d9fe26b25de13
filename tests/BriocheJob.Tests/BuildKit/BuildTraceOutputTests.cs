using System.Text;
using System.Text.Json;
using BriocheJob.BuildKit;
using BriocheJob.Diagnostics;
using static BriocheJob.Tests.BuildKit.TraceTestData;

namespace BriocheJob.Tests.BuildKit;

public class BuildTraceOutputTests
{
    [Fact]
    public void Json_has_exactly_the_documented_shape()
    {
        var trace = Decode(Read("failure.jsonl"));
        using var document = JsonDocument.Parse(BuildTraceJson.ToJson(trace, indented: false));
        var root = document.RootElement;
        root.EnumerateObject().Select(p => p.Name).ShouldBe(["vertices", "error", "imageId"]);
        root.GetProperty("error").GetString().ShouldBe(trace.Error);
        root.GetProperty("imageId").ValueKind.ShouldBe(JsonValueKind.Null);

        var vertices = root.GetProperty("vertices").EnumerateArray().ToList();
        vertices.Count.ShouldBe(trace.Vertices.Count);
        foreach (var vertex in vertices)
        {
            vertex.EnumerateObject().Select(p => p.Name).ShouldBe(
                ["digest", "name", "inputs", "cached", "error", "startedAt", "completedAt", "stdout", "stderr"]);
        }

        var failed = vertices[4];
        failed.GetProperty("name").GetString().ShouldBe(trace.FailedVertex!.Name);
        failed.GetProperty("stdout").GetString().ShouldBe("before failure\n");
        failed.GetProperty("stderr").GetString().ShouldBe("bad thing happened\n");
        failed.GetProperty("cached").GetBoolean().ShouldBeFalse();
        failed.GetProperty("inputs").EnumerateArray().Single().GetString().ShouldBe(trace.Vertices[3].Digest);
        string startedAt = failed.GetProperty("startedAt").GetString()!;
        startedAt.ShouldEndWith("Z");
        DateTimeOffset started = trace.FailedVertex.Started!.Value;
        DateTimeOffset.Parse(startedAt).ShouldBe(started.AddTicks(-(started.Ticks % TimeSpan.TicksPerMillisecond)));
        vertices[0].GetProperty("error").ValueKind.ShouldBe(JsonValueKind.Null);
        vertices[3].GetProperty("cached").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Json_written_to_a_stream_matches_the_string_form_and_keeps_non_ascii()
    {
        var trace = Decode(Read("success.jsonl"));
        var output = new MemoryStream();
        await BuildTraceJson.WriteAsync(trace, output);
        string written = Encoding.UTF8.GetString(output.ToArray());
        written.ShouldBe(BuildTraceJson.ToJson(trace));
        written.ShouldContain("warning: to stderr ✓");
        written.ShouldContain(trace.ImageId!);
    }

    [Fact]
    public void Plain_timeline_reads_like_docker_progress_plain()
    {
        var trace = Decode(Read("failure.jsonl"));
        string[] lines = BuildTracePlainRenderer.ToText(trace).Split('\n');

        lines[0].ShouldBe("#1 [internal] load remote build context");
        lines.ShouldContain("#4 [1/2] FROM docker.io/library/busybox:local");
        lines.ShouldContain("#4 CACHED");
        lines.ShouldContain("#5 [2/2] RUN echo \"before failure\" && echo \"bad thing happened\" >&2 && exit 3");
        lines.ShouldContain(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^#5 \d+\.\d{3} before failure$"));
        lines.ShouldContain(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^#5 \d+\.\d{3} bad thing happened$"));
        lines.ShouldContain($"#5 ERROR: {trace.FailedVertex!.Error}");
        lines.ShouldContain(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^#1 DONE \d+\.\ds$"));
        lines.Where(l => l.Length > 0).Last().ShouldBe($"ERROR: {trace.Error}");
    }

    [Fact]
    public void Plain_timeline_lists_warnings_and_skipped_records()
    {
        var decoder = new BuildKitTraceDecoder();
        var status = new BuildKitStatus();
        status.Vertexes.Add(new BuildKitVertex { Digest = "sha256:a", Name = "[internal] load build definition from Dockerfile" });
        var warning = new BuildKitVertexWarning { Vertex = "sha256:a", Short = "StageNameCasing: Stage name 'Builder' should be lowercase", SourceFile = "Dockerfile", StartLine = 1, Url = "https://docs.docker.com/go/dockerfile/rule/stage-name-casing/" };
        status.Warnings.Add(warning);
        decoder.FeedStatusResponse(EncodeStatusResponse(status));
        decoder.FeedJsonLine("garbage");
        string text = BuildTracePlainRenderer.ToText(decoder.Finish());

        text.ShouldContain("WARNING: StageNameCasing: Stage name 'Builder' should be lowercase (Dockerfile:1)\n  More info: https://docs.docker.com/go/dockerfile/rule/stage-name-casing/");
        text.ShouldContain($"{Catalog.BuildKit.MalformedRecordsSkipped}: skipped 1 malformed");
        text.ShouldNotContain("ERROR");
    }

    [Fact]
    public void Encoding_names_parse_and_unknown_ones_are_a_usage_error()
    {
        TraceEncodingNames.Parse(null).ShouldBe(TraceEncoding.Auto);
        TraceEncodingNames.Parse("rawjson").ShouldBe(TraceEncoding.RawJson);
        TraceEncodingNames.Parse("History").ShouldBe(TraceEncoding.HistoryBlob);
        TraceEncodingNames.Parse("json").ShouldBe(TraceEncoding.JsonLines);
        var error = Should.Throw<BriocheJobException>(() => TraceEncodingNames.Parse("yaml"));
        error.Code.ShouldBe(Catalog.BuildKit.UnknownEncoding);
        error.Kind.ShouldBe(ErrorKind.Usage);
    }
}
