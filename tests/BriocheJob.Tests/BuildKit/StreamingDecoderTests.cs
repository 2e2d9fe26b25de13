using System.Text;
using BriocheJob.BuildKit;
using static BriocheJob.Tests.BuildKit.TraceTestData;

namespace BriocheJob.Tests.BuildKit;

/// <summary>
/// The decoder as recording runs it (<see cref="TraceLogRetention.Tail"/>): every chunk handed over byte-exact as it
/// arrives, only a bounded tail of each step kept, and the same steps, errors and last lines as keeping everything.
/// </summary>
public sealed class StreamingDecoderTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Captures => new() { "success.jsonl", "failure.jsonl", "cached.jsonl" };

    [Theory]
    [MemberData(nameof(Captures))]
    public async Task A_real_capture_decodes_the_same_when_only_a_tail_is_kept(string capture)
    {
        var input = Read(capture);
        var all = Decode(input);
        var chunks = new ChunkSink();
        var tail = await BuildKitTrace.DecodeAsync(new MemoryStream(input), TraceEncoding.Auto, chunks, default,
            TraceLogRetention.Tail);

        tail.Vertices.Count.ShouldBe(all.Vertices.Count);
        tail.Error.ShouldBe(all.Error);
        tail.ImageId.ShouldBe(all.ImageId);
        tail.DecodedRecords.ShouldBe(all.DecodedRecords);
        tail.Malformed.Total.ShouldBe(0);
        for (int i = 0; i < all.Vertices.Count; i++)
        {
            var expected = all.Vertices[i];
            var actual = tail.Vertices[i];
            actual.Retention.ShouldBe(TraceLogRetention.Tail);
            (actual.Digest, actual.Name, actual.Cached, actual.Error, actual.Started, actual.Completed, actual.Clipped)
                .ShouldBe((expected.Digest, expected.Name, expected.Cached, expected.Error, expected.Started, expected.Completed, expected.Clipped));
            actual.Inputs.ShouldBe(expected.Inputs);
            // The captures are small, so the tail holds every line.
            actual.Lines.ShouldBe(expected.Lines);
            chunks.Bytes(actual, 1).ShouldBe(expected.StdoutBytes.ToArray());
            chunks.Bytes(actual, 2).ShouldBe(expected.StderrBytes.ToArray());
            actual.StdoutLength.ShouldBe(expected.StdoutBytes.Length);
            actual.StderrLength.ShouldBe(expected.StderrBytes.Length);
            actual.StdoutBytes.Length.ShouldBe(0); // nothing of the log is kept beyond the tail
        }

        if (capture != "cached.jsonl")
        {
            tail.Vertices.ShouldContain(v => v.HasOutput); // the comparison above covered real output
        }
    }

    [Fact]
    public void A_line_split_across_records_and_chunks_of_many_lines_are_handed_over_as_they_came()
    {
        var chunks = new ChunkSink();
        var decoder = new BuildKitTraceDecoder(chunks, TraceLogRetention.Tail);
        decoder.FeedStatusResponse(LogRecord(1, "first line\nsecond li"u8, 1));
        decoder.FeedStatusResponse(LogRecord(1, "ne\r\nthird\nfourth\n"u8, 2));
        decoder.FeedStatusResponse(LogRecord(2, "an error with no newline"u8, 3));

        chunks.Received.Select(c => (c.Stream, Encoding.UTF8.GetString(c.Data), c.Timestamp)).ShouldBe(
        [
            (1, "first line\nsecond li", T0.AddSeconds(1)),
            (1, "ne\r\nthird\nfourth\n", T0.AddSeconds(2)),
            (2, "an error with no newline", T0.AddSeconds(3)),
        ]);
        var vertex = decoder.Vertices.ShouldHaveSingleItem();
        vertex.Lines.Select(l => l.Text).ShouldBe(["first line", "second line", "third", "fourth"]);
        decoder.Finish();
        vertex.Lines.Select(l => (l.Stream, l.Text)).ShouldBe(
            [(1, "first line"), (1, "second line"), (1, "third"), (1, "fourth"), (2, "an error with no newline")]);
        vertex.Lines[0].Timestamp.ShouldBe(T0.AddSeconds(1));
        (vertex.StdoutLength, vertex.StderrLength).ShouldBe((37L, 24L));
    }

    [Fact]
    public void Invalid_utf8_reaches_the_observer_byte_exact()
    {
        byte[] bytes = [0x66, 0xFF, 0xC3, 0x0A, 0xE2, 0x82];
        var chunks = new ChunkSink();
        var decoder = new BuildKitTraceDecoder(chunks, TraceLogRetention.Tail);
        decoder.FeedJsonLine(EngineLine(LogRecord(1, bytes, 1)));
        decoder.Finish();

        chunks.Received.ShouldHaveSingleItem().Data.ShouldBe(bytes);
        decoder.Vertices.Single().Lines.Select(l => l.Text).ShouldBe(["f\uFFFD\uFFFD", "\uFFFD"]);
    }

    [Fact]
    public void Malformed_records_are_counted_and_hand_over_nothing()
    {
        var chunks = new ChunkSink();
        var decoder = new BuildKitTraceDecoder(chunks, TraceLogRetention.Tail);
        var good = LogRecord(1, "kept\n"u8, 1);
        decoder.FeedStatusResponse(good.AsSpan(0, good.Length - 3)); // the data runs past the record
        decoder.FeedJsonLine("{\"id\":\"moby.buildkit.trace\",\"aux\":\"not base64!\"}");
        decoder.FeedJsonLine("{\"id\":\"moby.buildkit.trace\",\"aux\":");
        decoder.FeedStatusResponse(good);

        decoder.Malformed.Protobuf.ShouldBe(1);
        decoder.Malformed.Base64.ShouldBe(1);
        decoder.Malformed.Json.ShouldBe(1);
        chunks.Received.ShouldHaveSingleItem().Data.ShouldBe("kept\n"u8.ToArray());
    }

    [Fact]
    public void The_daemons_clip_marker_marks_the_step_clipped()
    {
        var decoder = new BuildKitTraceDecoder(null, TraceLogRetention.Tail);
        decoder.FeedStatusResponse(LogRecord(1, "output\n[output clipped, log limit 2MiB reached]\n"u8, 1));
        decoder.Vertices.Single().Clipped.ShouldBeTrue();
    }

    [Fact]
    public void A_step_of_64_MiB_is_decoded_in_bounded_memory()
    {
        // One 32 KiB chunk of build-like lines, fed 2,048 times: what the decoder holds and allocates is counted.
        var line = "[ 42%] Building CXX object src/CMakeFiles/app.dir/module.cpp.o -O2 -Wall\n"u8;
        var chunk = new byte[32 * 1024];
        for (int at = 0; at < chunk.Length; at += line.Length)
        {
            line[..Math.Min(line.Length, chunk.Length - at)].CopyTo(chunk.AsSpan(at));
        }

        var record = LogRecord(1, chunk, 1);
        var counter = new CountingSink();
        var decoder = new BuildKitTraceDecoder(counter, TraceLogRetention.Tail);
        decoder.FeedStatusResponse(record, 0, record.Length); // warm-up: the vertex and its tail exist
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        const int Records = 2048;
        for (int i = 0; i < Records; i++)
        {
            decoder.FeedStatusResponse(record, 0, record.Length);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        long recorded = (long)Records * chunk.Length;
        counter.Bytes.ShouldBe(recorded + chunk.Length);
        var vertex = decoder.Vertices.ShouldHaveSingleItem();
        vertex.StdoutLength.ShouldBe(recorded + chunk.Length);
        vertex.Tail.ShouldNotBeNull().HeldBytes.ShouldBeLessThanOrEqualTo(2 * LogTail.Capacity);
        // A few hundred bytes per record (the protobuf reader), nothing per byte: under 1/64 of what went through.
        allocated.ShouldBeLessThan(recorded / 64);
        vertex.Lines.Count.ShouldBeInRange(LogTail.Capacity / line.Length - 2, 2 * LogTail.Capacity / line.Length);
    }

    [Fact]
    public void The_tail_keeps_each_streams_last_lines_as_its_ring_wraps()
    {
        // Chunks of every size up to past the ring's, lines of every length, both streams interleaved.
        var random = new Random(1202);
        var all = new BuildKitTraceDecoder();
        var tail = new BuildKitTraceDecoder(null, TraceLogRetention.Tail);
        var text = new StringBuilder();
        for (int record = 0; record < 400; record++)
        {
            text.Clear();
            int size = record % 50 == 25 ? LogTail.Capacity + 100 : random.Next(1, 3000);
            while (text.Length < size)
            {
                text.Append($"r{record} ").Append('x', random.Next(0, 200)).Append(random.Next(4) == 0 ? "" : "\n");
            }

            var chunk = LogRecord(1 + record % 3 / 2, Encoding.UTF8.GetBytes(text.ToString()), record);
            all.FeedStatusResponse(chunk);
            tail.FeedStatusResponse(chunk);
        }

        var expected = all.Finish().Vertices.Single();
        var actual = tail.Finish().Vertices.Single();
        actual.Tail.ShouldNotBeNull().HeldBytes.ShouldBeLessThanOrEqualTo(LogTail.Capacity);
        for (int stream = 1; stream <= 2; stream++)
        {
            var kept = actual.Lines.Where(l => l.Stream == stream).Select(l => l.Text).ToList();
            var every = expected.Lines.Where(l => l.Stream == stream).Select(l => l.Text).ToList();
            // Lines average about 100 bytes, and the rarer stream has a third of the chunks: well over one per KiB.
            kept.Count.ShouldBeGreaterThan(LogTail.Capacity / 1024);
            kept.ShouldBe(every[^kept.Count..]);
        }

        actual.Lines.Sum(l => l.Text.Length + 1).ShouldBeLessThanOrEqualTo(LogTail.Capacity + 2);
    }

    internal static byte[] LogRecord(int stream, ReadOnlySpan<byte> data, double atSeconds, string digest = Digest)
    {
        var log = new BuildKitVertexLog { Vertex = digest, Stream = stream, Data = data.ToArray(), Timestamp = T0.AddSeconds(atSeconds) };
        var status = new BuildKitStatus();
        status.Logs.Add(log);
        return EncodeStatusResponse(status);
    }

    private sealed class ChunkSink : IBuildTraceObserver
    {
        public List<(TraceVertex Vertex, int Stream, DateTimeOffset? Timestamp, byte[] Data)> Received { get; } = [];

        public byte[] Bytes(TraceVertex vertex, int stream) =>
            Received.Where(c => c.Vertex == vertex && c.Stream == stream).SelectMany(c => c.Data).ToArray();

        void IBuildTraceObserver.OnLogChunk(TraceVertex vertex, int stream, DateTimeOffset? timestamp, ReadOnlySpan<byte> data) =>
            Received.Add((vertex, stream, timestamp, data.ToArray()));
    }

    private sealed class CountingSink : IBuildTraceObserver
    {
        public long Bytes { get; private set; }

        void IBuildTraceObserver.OnLogChunk(TraceVertex vertex, int stream, DateTimeOffset? timestamp, ReadOnlySpan<byte> data) =>
            Bytes += data.Length;
    }
}
