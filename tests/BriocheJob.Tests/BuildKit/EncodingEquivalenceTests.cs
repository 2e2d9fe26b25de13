using System.Text;
using BriocheJob.BuildKit;
using static BriocheJob.Tests.BuildKit.TraceTestData;

namespace BriocheJob.Tests.BuildKit;

/// <summary>The engine stream, buildx rawjson and a history blob carrying the same statuses decode to the same trace.</summary>
public class EncodingEquivalenceTests
{
    [Theory]
    [InlineData("success.jsonl")]
    [InlineData("failure.jsonl")]
    [InlineData("cached.jsonl")]
    public async Task All_three_encodings_give_the_same_vertices_and_logs(string capture)
    {
        var statuses = TraceAuxPayloads(capture).Select(StatusResponseReader.Parse).ToList();
        statuses.Count.ShouldBeGreaterThan(5);
        // Spread each log chunk across two records to make reassembly work for it.
        statuses = statuses.SelectMany(SplitLogs).ToList();

        byte[] engine = Encoding.UTF8.GetBytes(string.Join("\n", statuses.Select(s => EngineLine(EncodeStatusResponse(s)))) + "\n");
        byte[] rawJson = Encoding.UTF8.GetBytes(string.Join("\n", statuses.Select(RawJsonLine)) + "\n");
        byte[] blob = HistoryBlob(statuses);

        var fromEngine = Decode(engine);
        var fromRawJson = Decode(rawJson);
        var fromBlob = Decode(blob);
        var fromRawJsonForced = await BuildKitTrace.DecodeAsync(new MemoryStream(rawJson), TraceEncoding.RawJson);

        fromEngine.Encoding.ShouldBe(TraceEncoding.JsonLines);
        fromRawJson.Encoding.ShouldBe(TraceEncoding.RawJson);
        fromBlob.Encoding.ShouldBe(TraceEncoding.HistoryBlob);
        var expected = Fingerprint(fromEngine);
        expected.ShouldContain("sha256:"); // the fingerprint is not empty
        Fingerprint(fromRawJson).ShouldBe(expected);
        Fingerprint(fromBlob).ShouldBe(expected);
        Fingerprint(fromRawJsonForced).ShouldBe(expected);
        foreach (var trace in new[] { fromEngine, fromRawJson, fromBlob })
        {
            trace.Malformed.Total.ShouldBe(0);
            trace.DecodedRecords.ShouldBe(statuses.Count);
        }

        // And the original engine capture agrees with the re-encoded one.
        Fingerprint(Decode(Read(capture))).ShouldBe(expected);
    }

    [Fact]
    public void Resent_and_reordered_vertex_updates_decode_the_same_in_every_encoding()
    {
        // Engine streams resend each step's few states again and again; a resend that changes nothing is skipped
        // unread in the engine stream and the history blob, never in rawjson: all three must still agree.
        var capture = TraceAuxPayloads("success.jsonl").Select(StatusResponseReader.Parse).ToList();
        var t0 = new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero);
        BuildKitVertex Named(string name, int startedAt, int? completedAt = null) => new()
        {
            Digest = "sha256:resent",
            Name = name,
            Started = t0.AddSeconds(startedAt),
            Completed = completedAt is { } c ? t0.AddSeconds(c) : null,
        };
        BuildKitStatus Record(params BuildKitVertex[] vertexes)
        {
            var status = new BuildKitStatus();
            status.Vertexes.AddRange(vertexes);
            return status;
        }

        var a = Named("first name", 5);
        var b = Named("second name", 7, 9);
        var statuses = new List<BuildKitStatus>();
        statuses.AddRange(capture);
        statuses.AddRange([Record(a), Record(a), Record(b), Record(a), Record(b, a), Record(a, a), Record(a), Record(a, b)]);
        statuses.AddRange(capture);
        // The last word goes to the a after b in one record, although a alone would change nothing just before it.
        statuses.AddRange([Record(b), Record(Named("", 1)), Record(b), Record(Named("first name", 5, 12)), Record(b), Record(a), Record(b, a)]);
        statuses.AddRange(capture);

        byte[] engine = Encoding.UTF8.GetBytes(string.Join("\n", statuses.Select(s => EngineLine(EncodeStatusResponse(s)))) + "\n");
        byte[] rawJson = Encoding.UTF8.GetBytes(string.Join("\n", statuses.Select(RawJsonLine)) + "\n");
        var events = new[] { new RecordingObserver(), new RecordingObserver(), new RecordingObserver() };
        var traces = new[] { Decode(engine, observer: events[0]), Decode(rawJson, observer: events[1]), Decode(HistoryBlob(statuses), observer: events[2]) };

        var resent = traces[0].Vertices.Single(v => v.Digest == "sha256:resent");
        (resent.Name, resent.Started, resent.Completed).ShouldBe(("first name", (DateTimeOffset?)t0.AddSeconds(1), (DateTimeOffset?)t0.AddSeconds(12)));
        foreach (int i in new[] { 1, 2 })
        {
            Fingerprint(traces[i]).ShouldBe(Fingerprint(traces[0]));
            events[i].Events.ShouldBe(events[0].Events);
            traces[i].DecodedRecords.ShouldBe(statuses.Count);
        }

        traces[0].DecodedRecords.ShouldBe(statuses.Count);
        traces[0].Malformed.Total.ShouldBe(0);
    }

    private static IEnumerable<BuildKitStatus> SplitLogs(BuildKitStatus status)
    {
        if (status.Logs.Count == 0)
        {
            return [status];
        }

        var head = new BuildKitStatus();
        var tail = new BuildKitStatus();
        head.Vertexes.AddRange(status.Vertexes);
        head.Statuses.AddRange(status.Statuses);
        head.Warnings.AddRange(status.Warnings);
        foreach (var log in status.Logs)
        {
            int half = log.Data.Length / 2;
            head.Logs.Add(new BuildKitVertexLog { Vertex = log.Vertex, Stream = log.Stream, Timestamp = log.Timestamp, Data = log.Data[..half] });
            tail.Logs.Add(new BuildKitVertexLog { Vertex = log.Vertex, Stream = log.Stream, Timestamp = log.Timestamp, Data = log.Data[half..] });
        }
        return [head, tail];
    }

    private static string Fingerprint(BuildTrace trace)
    {
        var text = new StringBuilder();
        foreach (var v in trace.Vertices)
        {
            text.AppendLine($"{v.Number} {v.Digest} {v.Name} [{string.Join(",", v.Inputs)}] cached={v.Cached} started={v.Started:O} completed={v.Completed:O} error={v.Error} clipped={v.Clipped}");
            text.AppendLine($"  stdout={v.Stdout} stderr={v.Stderr}");
            foreach (var line in v.Lines)
            {
                text.AppendLine($"  {line.Stream} {line.Timestamp:O} {line.Text}");
            }

            foreach (var s in v.Statuses)
            {
                text.AppendLine($"  status {s.Id} {s.Name} {s.Current}/{s.Total} {s.Timestamp:O} {s.Started:O} {s.Completed:O}");
            }
        }
        foreach (var w in trace.Warnings)
        {
            text.AppendLine($"warning {w.Vertex} {w.Level} {w.Short} {string.Join("|", w.Details)} {w.Url} {w.SourceFile}:{w.StartLine}");
        }

        return text.ToString();
    }

    [Fact]
    public void Warnings_survive_every_encoding()
    {
        var status = new BuildKitStatus();
        status.Vertexes.Add(new BuildKitVertex { Digest = "sha256:w", Name = "[internal] load build definition from Dockerfile" });
        var warning = new BuildKitVertexWarning { Vertex = "sha256:w", Level = 1, Short = "JSONArgsRecommended: JSON arguments recommended for CMD", Url = "https://docs.docker.com/go/dockerfile/rule/json-args-recommended/", SourceFile = "Dockerfile", StartLine = 4, EndLine = 4 };
        warning.Details.Add("JSON arguments recommended for CMD to prevent unintended behavior related to OS signals");
        status.Warnings.Add(warning);

        var fromEngine = Decode(Encoding.UTF8.GetBytes(EngineLine(EncodeStatusResponse(status))));
        var fromRawJson = Decode(Encoding.UTF8.GetBytes(RawJsonLine(status)));
        var fromBlob = Decode(HistoryBlob([status]));
        Fingerprint(fromEngine).ShouldContain("JSONArgsRecommended");
        Fingerprint(fromEngine).ShouldContain("Dockerfile:4");
        Fingerprint(fromRawJson).ShouldBe(Fingerprint(fromEngine));
        Fingerprint(fromBlob).ShouldBe(Fingerprint(fromEngine));
    }
}
