using System.Text;
using BriocheJob.BuildKit;
using BriocheJob.Diagnostics;
using Google.Protobuf;
using static BriocheJob.Tests.BuildKit.TraceTestData;

namespace BriocheJob.Tests.BuildKit;

public class BuildKitTraceDecoderTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private static BuildKitStatus VertexUpdate(string digest, string name = "", DateTimeOffset? started = null,
        DateTimeOffset? completed = null, bool cached = false, string error = "", params string[] inputs)
    {
        var vertex = new BuildKitVertex { Digest = digest, Name = name, Started = started, Completed = completed, Cached = cached, Error = error };
        vertex.Inputs.AddRange(inputs);
        var status = new BuildKitStatus();
        status.Vertexes.Add(vertex);
        return status;
    }

    private static BuildKitStatus LogChunk(string digest, int stream, byte[] data, DateTimeOffset? timestamp = null)
    {
        var status = new BuildKitStatus();
        status.Logs.Add(new BuildKitVertexLog { Vertex = digest, Stream = stream, Data = data, Timestamp = timestamp });
        return status;
    }

    private static void Feed(BuildKitTraceDecoder decoder, BuildKitStatus status) =>
        decoder.FeedStatusResponse(EncodeStatusResponse(status));

    [Fact]
    public void Vertex_transitions_fire_once_each_in_order_and_merge_by_digest()
    {
        var observer = new RecordingObserver();
        var decoder = new BuildKitTraceDecoder(observer);

        Feed(decoder, VertexUpdate("sha256:a", "[1/2] FROM base"));
        Feed(decoder, VertexUpdate("sha256:b", "[2/2] RUN make", inputs: "sha256:a"));
        Feed(decoder, VertexUpdate("sha256:a", "[1/2] FROM base", started: T0));
        Feed(decoder, VertexUpdate("sha256:a", "[1/2] FROM base", started: T0, completed: T0.AddSeconds(1), cached: true));
        // A later resend without the cached flag or with an empty name must not undo what is known.
        Feed(decoder, VertexUpdate("sha256:a", "", started: T0.AddSeconds(5)));
        Feed(decoder, VertexUpdate("sha256:b", "[2/2] RUN make", started: T0.AddSeconds(2)));
        Feed(decoder, VertexUpdate("sha256:b", "[2/2] RUN make", started: T0.AddSeconds(2), completed: T0.AddSeconds(4),
            error: "process \"/bin/sh -c make\" did not complete successfully: exit code: 2"));
        // Resent with the error missing: the error stays.
        Feed(decoder, VertexUpdate("sha256:b", "[2/2] RUN make", started: T0.AddSeconds(2), completed: T0.AddSeconds(4)));
        var trace = decoder.Finish();

        observer.Events.ShouldBe([
            "added [1/2] FROM base",
            "added [2/2] RUN make",
            "started [1/2] FROM base",
            "cached [1/2] FROM base",
            "completed [1/2] FROM base",
            "started [2/2] RUN make",
            "failed [2/2] RUN make: process \"/bin/sh -c make\" did not complete successfully: exit code: 2",
            "completed [2/2] RUN make",
        ]);
        trace.Vertices.Select(v => v.Digest).ShouldBe(["sha256:a", "sha256:b"]);
        var from = trace.Vertices[0];
        from.Number.ShouldBe(1);
        from.Name.ShouldBe("[1/2] FROM base");
        from.Cached.ShouldBeTrue();
        from.Started.ShouldBe(T0);
        from.Completed.ShouldBe(T0.AddSeconds(1));
        var run = trace.Vertices[1];
        run.Inputs.ShouldBe(["sha256:a"]);
        run.Error.ShouldBe("process \"/bin/sh -c make\" did not complete successfully: exit code: 2");
        run.ExitCode.ShouldBe(2);
        run.Duration.ShouldBe(TimeSpan.FromSeconds(2));
        trace.FailedVertex.ShouldBeSameAs(run);
        trace.Error.ShouldBe(run.Error);
        trace.ExitCode.ShouldBe(2);
        trace.DecodedRecords.ShouldBe(8);
    }

    [Fact]
    public void Later_values_win_but_times_and_flags_are_never_lost()
    {
        var decoder = new BuildKitTraceDecoder();
        Feed(decoder, VertexUpdate("sha256:a", "first name", started: T0.AddSeconds(3), completed: T0.AddSeconds(5), cached: true, error: "first error", inputs: "sha256:x"));
        Feed(decoder, VertexUpdate("sha256:a", "second name", started: T0.AddSeconds(1), completed: T0.AddSeconds(4), error: "second error"));
        Feed(decoder, VertexUpdate("sha256:a", "", started: T0.AddSeconds(2), inputs: []));
        var vertex = decoder.Finish().Vertices.Single();
        vertex.Name.ShouldBe("second name");
        vertex.Error.ShouldBe("second error");
        vertex.Inputs.ShouldBe(["sha256:x"]);
        vertex.Cached.ShouldBeTrue();
        vertex.Started.ShouldBe(T0.AddSeconds(1));
        vertex.Completed.ShouldBe(T0.AddSeconds(5));
    }

    [Fact]
    public void A_cancelled_sibling_is_not_taken_for_the_failing_step()
    {
        var decoder = new BuildKitTraceDecoder();
        Feed(decoder, VertexUpdate("sha256:a", "[a 2/2] RUN sleep 9", error: "context canceled: context canceled"));
        Feed(decoder, VertexUpdate("sha256:b", "[b 2/2] RUN false", error: "process \"/bin/sh -c false\" did not complete successfully: exit code: 1"));
        var trace = decoder.Finish();
        trace.FailedVertex!.Digest.ShouldBe("sha256:b");
        trace.ExitCode.ShouldBe(1);
    }

    [Fact]
    public void Lines_are_reassembled_per_vertex_and_stream_across_chunks()
    {
        var observer = new RecordingObserver();
        var decoder = new BuildKitTraceDecoder(observer);
        Feed(decoder, VertexUpdate("sha256:a", "A"));
        Feed(decoder, VertexUpdate("sha256:b", "B"));
        Feed(decoder, LogChunk("sha256:a", 1, "hel"u8.ToArray(), T0));
        Feed(decoder, LogChunk("sha256:a", 2, "err"u8.ToArray(), T0.AddSeconds(1)));
        Feed(decoder, LogChunk("sha256:b", 1, "other\n"u8.ToArray(), T0.AddSeconds(2)));
        Feed(decoder, LogChunk("sha256:a", 1, "lo\r\nwor"u8.ToArray(), T0.AddSeconds(3)));
        Feed(decoder, LogChunk("sha256:a", 2, "or 1\n"u8.ToArray(), T0.AddSeconds(4)));
        Feed(decoder, LogChunk("sha256:a", 1, "ld\n\nlast"u8.ToArray(), T0.AddSeconds(5)));

        observer.Events.Where(e => e.StartsWith("line")).ShouldBe([
            "line B 1: other",
            "line A 1: hello",
            "line A 2: error 1",
            "line A 1: world",
            "line A 1: ",
        ]);
        var trace = decoder.Finish();
        observer.Events[^1].ShouldBe("line A 1: last");

        var a = trace.Vertices[0];
        a.Stdout.ShouldBe("hello\r\nworld\n\nlast");
        a.Stderr.ShouldBe("error 1\n");
        a.StdoutBytes.ToArray().ShouldBe(Encoding.UTF8.GetBytes("hello\r\nworld\n\nlast"));
        a.Lines.Select(l => (l.Stream, l.Text, l.Timestamp)).ShouldBe([
            (1, "hello", (DateTimeOffset?)T0),          // stamped when its first byte arrived
            (2, "error 1", T0.AddSeconds(1)),
            (1, "world", T0.AddSeconds(3)),
            (1, "", T0.AddSeconds(5)),
            (1, "last", T0.AddSeconds(5)),
        ]);
        trace.Vertices[1].Stdout.ShouldBe("other\n");
        trace.Vertices[1].Stderr.ShouldBe("");

        decoder.Finish();
        a.Lines.Count.ShouldBe(5); // finishing twice flushes nothing twice
    }

    [Fact]
    public void A_multibyte_character_split_between_chunks_survives()
    {
        var decoder = new BuildKitTraceDecoder();
        byte[] text = Encoding.UTF8.GetBytes("ok ✓ été\n");
        int splitInsideCheckMark = 4; // "ok " is 3 bytes; the check mark is 3 bytes long
        Feed(decoder, LogChunk("sha256:a", 1, text[..splitInsideCheckMark]));
        Feed(decoder, LogChunk("sha256:a", 1, text[splitInsideCheckMark..(splitInsideCheckMark + 1)]));
        Feed(decoder, LogChunk("sha256:a", 1, text[(splitInsideCheckMark + 1)..]));
        var vertex = decoder.Finish().Vertices.Single();
        vertex.Lines.Single().Text.ShouldBe("ok ✓ été");
        vertex.Stdout.ShouldBe("ok ✓ été\n");
        vertex.Announced.ShouldBeFalse(); // only logs named it
    }

    [Fact]
    public void The_daemon_clip_marker_marks_the_vertex_clipped()
    {
        var decoder = new BuildKitTraceDecoder();
        Feed(decoder, VertexUpdate("sha256:a", "[1/1] RUN yes"));
        Feed(decoder, VertexUpdate("sha256:b", "[1/1] RUN echo"));
        Feed(decoder, LogChunk("sha256:a", 1, "y\ny\n[output clipped, log l"u8.ToArray()));
        Feed(decoder, LogChunk("sha256:a", 1, "imit 2MiB reached]\n"u8.ToArray()));
        Feed(decoder, LogChunk("sha256:b", 1, "talking about [output clipped, log limit 2MiB reached]\n"u8.ToArray()));
        var trace = decoder.Finish();
        trace.Vertices[0].Clipped.ShouldBeTrue();
        trace.Vertices[0].Lines[^1].Text.ShouldBe("[output clipped, log limit 2MiB reached]");
        trace.Vertices[1].Clipped.ShouldBeFalse();
    }

    [Fact]
    public void Statuses_merge_by_id_and_warnings_are_kept()
    {
        var observer = new RecordingObserver();
        var decoder = new BuildKitTraceDecoder(observer);
        var first = new BuildKitStatus();
        first.Statuses.Add(new BuildKitVertexStatus { Id = "layer1", Vertex = "sha256:a", Name = "pulling", Current = 10, Total = 100, Started = T0 });
        Feed(decoder, first);
        var second = new BuildKitStatus();
        second.Statuses.Add(new BuildKitVertexStatus { Id = "layer1", Vertex = "sha256:a", Current = 100, Total = 100, Completed = T0.AddSeconds(2) });
        var warning = new BuildKitVertexWarning { Vertex = "sha256:a", Level = 1, Short = "FromAsCasing: 'as' and 'FROM' keywords' casing do not match", Url = "https://docs.docker.com/go/dockerfile/rule/from-as-casing/", SourceFile = "Dockerfile", StartLine = 3 };
        warning.Details.Add("detail one");
        second.Warnings.Add(warning);
        Feed(decoder, second);

        var trace = decoder.Finish();
        var status = trace.Vertices.Single().Statuses.Single();
        (status.Name, status.Current, status.Total, status.Started, status.Completed).ShouldBe(("pulling", 100L, 100L, (DateTimeOffset?)T0, (DateTimeOffset?)T0.AddSeconds(2)));
        var kept = trace.Warnings.Single();
        kept.Short.ShouldStartWith("FromAsCasing");
        kept.Details.ShouldBe(["detail one"]);
        kept.Url.ShouldBe(warning.Url);
        kept.SourceFile.ShouldBe("Dockerfile");
        kept.StartLine.ShouldBe(3);
        observer.Events.ShouldContain("warning " + warning.Short);
    }

    [Fact]
    public void Progress_group_and_nanosecond_timestamps_decode()
    {
        var update = VertexUpdate("sha256:a", "x", started: DateTimeOffset.UnixEpoch.AddTicks(17_000_000_001_234_567));
        update.Vertexes[0].ProgressGroup = new BuildKitProgressGroup("pg1", "bake target", true);
        var decoded = StatusResponseReader.Parse(EncodeStatusResponse(update));
        decoded.Vertexes.Single().ProgressGroup.ShouldBe(new BuildKitProgressGroup("pg1", "bake target", true));
        decoded.Vertexes.Single().Started.ShouldBe(DateTimeOffset.UnixEpoch.AddTicks(17_000_000_001_234_567));
    }

    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped_at_every_level()
    {
        static void Unknowns(CodedOutputStream o)
        {
            o.WriteTag(90, WireFormat.WireType.Varint); o.WriteInt64(-5);
            o.WriteTag(91, WireFormat.WireType.Fixed64); o.WriteFixed64(0xDEADBEEFCAFEUL);
            o.WriteTag(92, WireFormat.WireType.LengthDelimited); o.WriteString("from the future");
            o.WriteTag(93, WireFormat.WireType.StartGroup);
            o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt32(7);
            o.WriteTag(93, WireFormat.WireType.EndGroup);
            o.WriteTag(94, WireFormat.WireType.Fixed32); o.WriteFixed32(42);
        }

        byte[] timestamp = Message(o =>
        {
            Unknowns(o);
            o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt64(1_700_000_000);
            o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt32(500_000_000);
        });
        byte[] vertex = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString("sha256:a");
            Unknowns(o);
            // A known field number with the wrong wire type is skipped rather than misread.
            o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt32(9);
            o.WriteTag(3, WireFormat.WireType.LengthDelimited); o.WriteString("[1/1] RUN true");
            Nested(o, 5, timestamp);
            o.WriteTag(4, WireFormat.WireType.Varint); o.WriteBool(true);
        });
        byte[] log = Message(o =>
        {
            Unknowns(o);
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString("sha256:a");
            o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt64(2);
            o.WriteTag(4, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFromUtf8("hi\n"));
        });
        byte[] response = Message(o =>
        {
            Unknowns(o);
            Nested(o, 1, vertex);
            o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt32(1); // wrong type for a message field
            Nested(o, 3, log);
            Nested(o, 5, Message(Unknowns)); // a whole future top-level message
            Unknowns(o);
        });

        var decoder = new BuildKitTraceDecoder();
        decoder.FeedStatusResponse(response);
        var trace = decoder.Finish();
        trace.Malformed.Total.ShouldBe(0);
        var decoded = trace.Vertices.Single();
        decoded.Name.ShouldBe("[1/1] RUN true");
        decoded.Cached.ShouldBeTrue();
        decoded.Started.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddMilliseconds(500));
        decoded.Stderr.ShouldBe("hi\n");
    }

    [Fact]
    public void Malformed_records_are_counted_and_skipped_without_throwing()
    {
        var observer = new RecordingObserver();
        var decoder = new BuildKitTraceDecoder(observer);
        byte[] good = EncodeStatusResponse(VertexUpdate("sha256:a", "[1/1] RUN true", started: T0));
        byte[] truncated = good[..(good.Length - 3)];

        decoder.FeedJsonLine("{\"id\":\"moby.buildkit.trace\",\"aux\":\"" + Convert.ToBase64String(truncated) + "\"}");
        decoder.FeedJsonLine("{\"id\":\"moby.buildkit.trace\",\"aux\":\"not base64!\"}");
        decoder.FeedJsonLine("{\"id\":\"moby.buildkit.trace\",\"aux\":");
        decoder.FeedJsonLine("this is not json");
        decoder.FeedJsonLine("[1,2,3]");
        decoder.FeedJsonLine("{\"stream\":\"a\"} {\"stream\":\"b\"}");
        decoder.FeedJsonLine("{\"vertexes\":[{\"digest\":\"sha256:z\",\"started\":\"yesterday\"}]}");
        decoder.FeedJsonLine("{\"logs\":[{\"vertex\":\"sha256:z\",\"data\":\"%%%\"}]}");
        decoder.FeedJsonLine("{\"logs\":[{\"vertex\":\"sha256:z\",\"stream\":\"one\"}]}");
        decoder.FeedStatusResponse(truncated);
        decoder.FeedStatusResponse(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 });
        decoder.FeedJsonLine("   ");
        decoder.FeedJsonLine(EngineLine(good));

        var trace = decoder.Finish();
        trace.Malformed.Json.ShouldBe(6);
        trace.Malformed.Base64.ShouldBe(2);
        trace.Malformed.Protobuf.ShouldBe(3);
        trace.Malformed.Total.ShouldBe(11);
        trace.Malformed.FirstProblem!.ShouldStartWith("record 1: not a StatusResponse");
        observer.Events.Count(e => e.StartsWith("malformed")).ShouldBe(11);
        trace.DecodedRecords.ShouldBe(1);
        trace.Vertices.Single().Name.ShouldBe("[1/1] RUN true");
        trace.EnsureIsTrace("input"); // something decoded: it is a trace
    }

    [Fact]
    public void A_corrupt_aux_between_good_ones_costs_only_itself_and_is_reported_as_when_read_alone()
    {
        byte[] Chunk(string text) => EncodeStatusResponse(LogChunk("sha256:a", 1, Encoding.UTF8.GetBytes(text)));
        byte[] good = Chunk("two\n");
        byte[][] records =
        [
            Chunk("one\n"), good[..^2], good, [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], Chunk("three\n"),
            EncodeStatusResponse(VertexUpdate("sha256:a", "[1/1] RUN x"))[..^1], Chunk("four\n"),
        ];
        var fromEngine = new ReasonObserver();
        var engine = new BuildKitTraceDecoder(fromEngine);
        var fromBlob = new ReasonObserver();
        var blob = new BuildKitTraceDecoder(fromBlob);
        foreach (var record in records)
        {
            engine.FeedJsonLine(EngineLine(record));
            blob.FeedStatusResponse(record);
        }

        var trace = engine.Finish();
        trace.Malformed.Protobuf.ShouldBe(3);
        trace.DecodedRecords.ShouldBe(4);
        trace.Vertices.Single().Stdout.ShouldBe("one\ntwo\nthree\nfour\n");
        fromEngine.Reasons.Count.ShouldBe(3);
        fromEngine.Reasons[0].ShouldStartWith("record 2: not a StatusResponse (");
        // One stream reads the engine's auxes back to back; a history blob reads each record alone: the same words.
        fromEngine.Reasons.ShouldBe(fromBlob.Reasons);
        blob.Finish().Vertices.Single().Stdout.ShouldBe("one\ntwo\nthree\nfour\n");
    }

    [Fact]
    public void Trace_lines_near_the_engines_own_shape_decode_as_JSON_says()
    {
        byte[] record = EncodeStatusResponse(LogChunk("sha256:a", 1, "chunk\n"u8.ToArray()));
        string aux = Convert.ToBase64String(record);
        string Line(string encoded, string end = "") => "{\"id\":\"moby.buildkit.trace\",\"aux\":\"" + encoded + "\"}" + end;
        (string Line, bool Decodes)[] cases =
        [
            (Line(aux), true),
            (Line(aux[..4] + " " + aux[4..]), true), // a space is part of a JSON string; base64 skips it
            (Line(aux[..4] + "\\u00" + ((int)aux[4]).ToString("x2") + aux[5..]), true), // an escaped character
            (Line(aux[..4] + "\t" + aux[4..]), false), // a raw tab is not allowed in a JSON string
            (Line(aux[..4] + "\r" + aux[4..]), false),
            (Line(aux, " {\"x\":1}"), false), // two values on one line
            (Line(aux + "\",\"aux\":\"" + aux), true), // a second aux: the last one counts
            (Line(aux[..^4]), true), // shorter, still base64: a record cut short
            (Line(aux[..^1]), false), // not base64
            (Line(""), true), // an empty StatusResponse
        ];
        foreach (var (line, decodes) in cases)
        {
            var sink = new ReasonObserver();
            var decoder = new BuildKitTraceDecoder(sink);
            decoder.FeedJsonLine(line);
            var trace = decoder.Finish();
            (trace.DecodedRecords + trace.Malformed.Protobuf == 1).ShouldBe(decodes, line);
            (trace.Malformed.Json + trace.Malformed.Base64 == 1).ShouldBe(!decodes, line);
        }
    }

    private sealed class ReasonObserver : IBuildTraceObserver
    {
        public List<string> Reasons { get; } = [];

        void IBuildTraceObserver.OnMalformedRecord(MalformedRecordKind kind, string reason) => Reasons.Add($"{reason} [{kind}]");
    }

    [Fact]
    public async Task Broken_history_blobs_are_counted_and_the_records_before_them_kept()
    {
        byte[] blob = HistoryBlob([VertexUpdate("sha256:a", "one"), VertexUpdate("sha256:b", "two")]);

        var truncatedTrace = Decode(blob[..^2], TraceEncoding.HistoryBlob);
        truncatedTrace.Vertices.Select(v => v.Name).ShouldBe(["one"]);
        truncatedTrace.Malformed.Framing.ShouldBe(1);

        byte[] hugeLength = [.. blob, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3];
        var hugeTrace = Decode(hugeLength);
        hugeTrace.Encoding.ShouldBe(TraceEncoding.HistoryBlob);
        hugeTrace.Vertices.Count.ShouldBe(2);
        hugeTrace.Malformed.Framing.ShouldBe(1);

        byte[] strayTail = [.. blob, 0x01];
        Decode(strayTail).Malformed.Framing.ShouldBe(1);

        // Random bytes: no exception, and the CLI is told it is not a trace.
        var random = new byte[4096];
        new Random(7).NextBytes(random);
        random[0] = 0x10; random[1] = 0; random[2] = 0; random[3] = 0;
        var garbage = await BuildKitTrace.DecodeAsync(new MemoryStream(random));
        garbage.Malformed.Total.ShouldBeGreaterThan(0);
        Should.Throw<BriocheJobException>(() => garbage.EnsureIsTrace("noise.bin")).Code.ShouldBe(Catalog.BuildKit.NotATrace);
    }

    [Fact]
    public void Engine_side_lines_keep_messages_image_id_and_build_error()
    {
        var observer = new RecordingObserver();
        var decoder = new BuildKitTraceDecoder(observer);
        decoder.FeedJsonLine("{\"stream\":\"Step 1\\n\"}");
        decoder.FeedJsonLine("{\"status\":\"Pulling\",\"progressDetail\":{\"current\":1},\"unknown\":[1,{\"a\":null}]}");
        decoder.FeedJsonLine("{\"id\":\"moby.image.id\",\"aux\":{\"ID\":\"sha256:abc\",\"Other\":1}}");
        // Values of unexpected types are skipped whole, not walked into.
        decoder.FeedJsonLine("{\"id\":{\"stream\":\"not top level\"},\"stream\":[\"x\"],\"aux\":[{\"error\":\"no\"}]}");
        decoder.FeedJsonLine("{\"errorDetail\":{\"code\":1,\"message\":\"boom: exit code: 4\"},\"error\":\"boom: exit code: 4\"}");
        var trace = decoder.Finish();
        trace.Messages.ShouldBe(["Step 1\n", "Pulling"]);
        trace.ImageId.ShouldBe("sha256:abc");
        trace.BuildError.ShouldBe("boom: exit code: 4");
        trace.Error.ShouldBe("boom: exit code: 4");
        trace.ExitCode.ShouldBe(4);
        trace.Malformed.Total.ShouldBe(0);
        observer.Events.ShouldBe(["message Step 1", "message Pulling", "image sha256:abc", "error boom: exit code: 4"]);
    }

    [Fact]
    public void Rawjson_accepts_go_field_names_nulls_and_zero_times()
    {
        var decoder = new BuildKitTraceDecoder();
        decoder.FeedJsonLine("""{"Vertexes":[{"Digest":"sha256:a","Inputs":null,"Name":"[1/1] RUN x","Started":"2024-01-02T03:04:05.123456789Z","Completed":null,"Cached":false,"Error":""}],"Statuses":null,"Logs":[{"Vertex":"sha256:a","Stream":1,"Data":"aGkK","Timestamp":"0001-01-01T00:00:00Z"}]}""");
        var vertex = decoder.Finish().Vertices.Single();
        vertex.Name.ShouldBe("[1/1] RUN x");
        vertex.Started.ShouldBe(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_234_567));
        vertex.Stdout.ShouldBe("hi\n");
        vertex.Lines.Single().Timestamp.ShouldBeNull();
    }
}
