using System.Text;
using System.Text.Json;
using BriocheJob.Brioche;
using BriocheJob.Jobs;
using BriocheJob.Zstd;

namespace BriocheJob.Tests.Brioche;

/// <summary>
/// The streaming renderer prints exactly what the in-memory <see cref="ProcessLog"/> renders, and its memory does
/// not grow with the log: measured by the bytes it allocates against the bytes it reads and prints.
/// </summary>
public sealed class StreamingLogTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Both streams interleaved in random chunks: lines split across chunks, unterminated lines, multi-byte and invalid UTF-8.</summary>
    private string WriteMixedLog(int seed, bool compress, bool exit = true, int frameSize = 4096, string[]? words = null)
    {
        var random = new Random(seed);
        var path = _temp.File($"mixed-{seed}-{compress}-{exit}-{words?.Length}.bin");
        using var writer = ProcessEventsWriter.Create(path, Descriptions.Sample(), new ProcessEventsWriterOptions { Compress = compress, FrameSize = frameSize });
        writer.Write(new SpawnedEvent(50, 77));
        words ??= ["alpha", "béta", "γάμμα", "\u4e2d\u6587", "😀", "", "x"];
        uint elapsed = 60;
        for (var i = 0; i < 400; i++)
        {
            var text = new StringBuilder();
            var parts = random.Next(1, 6);
            for (var p = 0; p < parts; p++)
            {
                text.Append(words[random.Next(words.Length)]);
                if (random.Next(3) == 0)
                {
                    text.Append('\n');
                }
            }
            var bytes = Encoding.UTF8.GetBytes(text.ToString()).ToList();
            if (random.Next(10) == 0)
            {
                bytes.Insert(random.Next(bytes.Count + 1), 0xFF);
            }
            if (bytes.Count > 3 && random.Next(4) == 0)
            {
                // Cut a chunk inside a multi-byte character: the rest comes with the next chunk of the stream.
                bytes.RemoveAt(bytes.Count - 1);
            }
            if (bytes.Count == 0)
            {
                continue;
            }
            elapsed += (uint)random.Next(0, 30);
            var stream = random.Next(3) == 0 ? OutputStream.Stderr : OutputStream.Stdout;
            writer.Write(stream == OutputStream.Stdout ? new StdoutEvent(elapsed, bytes.ToArray()) : new StderrEvent(elapsed, bytes.ToArray()));
        }
        if (random.Next(2) == 0)
        {
            writer.Write(new StdoutEvent(elapsed, "unterminated stdout"u8.ToArray()));
        }
        writer.Write(new StderrEvent(elapsed, "unterminated stderr"u8.ToArray()));
        if (exit)
        {
            writer.WriteExited(3);
        }
        return path;
    }

    private static string Forward(string path, ProcessLogOptions? options = null, bool json = false, int maxLine = ProcessLogStreamer.MaxLineBytes, int hold = ProcessLogStreamer.HoldLimitBytes)
    {
        using var bytes = new MemoryStream();
        using (var output = new LogOutput(bytes, 1024))
        using (var reader = ProcessEventsReader.Open(path))
        {
            ProcessLogStreamer.WriteForward(reader, options ?? new ProcessLogOptions(), json ? LogFormatter.Json(output) : LogFormatter.Text(output), maxLine, hold);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static string Reverse(string path, ProcessLogOptions? options = null, bool json = false)
    {
        using var bytes = new MemoryStream();
        using (var output = new LogOutput(bytes, 1024))
        {
            ProcessLogStreamer.WriteReverse(path, options ?? new ProcessLogOptions(), json ? LogFormatter.Json(output) : LogFormatter.Text(output));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Each line through the source-generated serializer with the relaxed encoder, as show --json writes it.</summary>
    private static string AsJsonLines(ProcessLog log)
        => string.Concat(log.Lines.Select(line =>
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                JsonSerializer.Serialize(writer, LogLineJson.From(line), DisplayJsonContext.Default.LogLineJson);
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
        }));

    [Theory]
    [InlineData(1, true, true)]
    [InlineData(2, false, true)]
    [InlineData(3, true, false)]
    [InlineData(4, false, false)]
    [InlineData(5, true, true)]
    public void Forward_streaming_prints_what_the_in_memory_log_renders(int seed, bool compress, bool exit)
    {
        var path = WriteMixedLog(seed, compress, exit);

        Forward(path).ShouldBe(ProcessLog.Read(path).RenderText());
        Forward(path, json: true).ShouldBe(AsJsonLines(ProcessLog.Read(path)));
        foreach (var stream in new[] { OutputStream.Stdout, OutputStream.Stderr })
        {
            var options = new ProcessLogOptions { Stream = stream };
            Forward(path, options).ShouldBe(ProcessLog.Read(path, options).RenderText());
        }
    }

    [Theory]
    [InlineData(7, true)]
    [InlineData(8, false)]
    public void Whole_chunks_of_lines_print_as_line_by_line_escaping_would(int seed, bool compress)
    {
        // Chunks mixing plain lines with lines to escape: the chunk-at-once path must hand those to the per-line one.
        string[] words = ["plain", "\u001b[31mred\u001b[0m", "tab\there", "cr\r", "\"quoted\"", "back\\slash", "<&>", "\u0085c1", "é", ""];
        var path = WriteMixedLog(seed, compress, words: words);
        var log = ProcessLog.Read(path);
        string Escaped(ProcessLog l) => string.Concat(l.Lines.Select(line => TerminalText.Escape(line.Render()) + "\n"));

        foreach (var readAhead in new[] { false, true })
        {
            string Print(Func<LogOutput, LogFormatter> format)
            {
                using var bytes = new MemoryStream();
                using (var output = new LogOutput(bytes, 1024))
                using (var reader = new ProcessEventsReader(File.OpenRead(path)) { ReadAhead = readAhead })
                {
                    ProcessLogStreamer.WriteForward(reader, new ProcessLogOptions(), format(output));
                }
                return Encoding.UTF8.GetString(bytes.ToArray());
            }

            Print(output => LogFormatter.Text(output)).ShouldBe(log.RenderText());
            Print(output => LogFormatter.Text(output, escapeControls: true)).ShouldBe(Escaped(log));
            Print(LogFormatter.Json).ShouldBe(AsJsonLines(log));
        }
    }

    [Theory]
    [InlineData(1, true, true)]
    [InlineData(2, false, true)]
    [InlineData(3, true, false)]
    [InlineData(6, true, true)]
    public void Reverse_streaming_prints_what_the_in_memory_log_renders(int seed, bool compress, bool exit)
    {
        var path = WriteMixedLog(seed, compress, exit);
        var options = new ProcessLogOptions { Reverse = true };

        Reverse(path).ShouldBe(ProcessLog.Read(path, options).RenderText());
        Reverse(path, json: true).ShouldBe(AsJsonLines(ProcessLog.Read(path, options)));
        Reverse(path, new ProcessLogOptions { Stream = OutputStream.Stderr })
            .ShouldBe(ProcessLog.Read(path, options with { Stream = OutputStream.Stderr }).RenderText());
    }

    [Fact]
    public async Task Follow_with_a_tail_starts_from_the_seek_table_and_prints_what_a_tail_read_prints()
    {
        var path = _temp.File("big.bin.zst");
        using (var writer = ProcessEventsWriter.Create(path, Descriptions.Sample()))
        {
            writer.Write(new SpawnedEvent(10, 5));
            for (var i = 0; i < 3000; i++)
            {
                writer.Write(new StdoutEvent((uint)(20 + i), Encoding.ASCII.GetBytes($"line {i} {new string('x', i % 700)}\n")));
                if (i % 97 == 0)
                {
                    writer.Write(new StderrEvent((uint)(20 + i), Encoding.ASCII.GetBytes($"warn {i}\n")));
                }
            }
            writer.WriteExited(4);
        }

        var tail = ProcessLog.Read(path, new ProcessLogOptions { Tail = 20 });
        // Following resumes near the end: the last frames only.
        tail.TailResume.ShouldNotBeNull().FileOffset.ShouldBeGreaterThan(new FileInfo(path).Length * 9 / 10);
        using var bytes = new MemoryStream();
        using (var output = new LogOutput(bytes))
        {
            await ProcessLogStreamer.FollowTailAsync(path, new ProcessLogOptions(), 20, LogFormatter.Text(output), TimeSpan.FromMilliseconds(10));
        }
        Encoding.UTF8.GetString(bytes.ToArray()).ShouldBe(tail.RenderText());
    }

    [Fact]
    public async Task Follow_with_a_tail_of_a_running_job_prints_the_last_lines_then_the_new_ones()
    {
        var path = _temp.File("running.bin.zst");
        var writer = ProcessEventsWriter.Create(path, Descriptions.Sample());
        writer.Write(new SpawnedEvent(10, 5));
        for (var i = 0; i < 2000; i++)
        {
            writer.Write(new StdoutEvent(20, Encoding.ASCII.GetBytes($"old {i} {new string('o', 600)}\n")));
        }
        writer.Write(new StdoutEvent(20, "old tail "u8.ToArray()));
        using var bytes = new MemoryStream();
        var output = new LogOutput(bytes);
        var follow = ProcessLogStreamer.FollowTailAsync(path, new ProcessLogOptions(), 2, LogFormatter.Text(output), TimeSpan.FromMilliseconds(10));
        await Task.Delay(300);
        writer.Write(new StdoutEvent(1030, "continues\nnew line\n"u8.ToArray()));
        writer.WriteExited(0);
        writer.Dispose();
        await follow.WaitAsync(TimeSpan.FromSeconds(30));
        output.Dispose();

        var lines = Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd('\n').Split('\n');
        lines[0].ShouldBe("- demo/project.bri:7:3");
        lines[1].ShouldStartWith("[0.00s] [spawned process with pid 5");
        // The open last line counts as one of the two, as in a tail read; it prints once it is complete.
        lines[2].ShouldBe($"[0.01s] old 1999 {new string('o', 600)}");
        lines[3].ShouldBe("[1.02s] old tail continues");
        lines[4].ShouldBe("[1.02s] new line");
        lines[5].ShouldEndWith("[process exited with code 0]");
        lines.Length.ShouldBe(6);
    }

    [Fact]
    public void Invalid_utf8_prints_as_the_replacement_character_as_before()
    {
        var path = _temp.File("invalid.bin");
        using (var writer = ProcessEventsWriter.Create(path, Descriptions.Sample()))
        {
            writer.WriteSpawned(1);
            writer.WriteStdout([(byte)'a', 0xC3, (byte)'b', 0xFF, 0xFE, (byte)'\n']);
            writer.WriteExited(0);
        }

        var text = Forward(path);
        text.ShouldContain("a\uFFFDb\uFFFD\uFFFD\n");
        text.ShouldBe(ProcessLog.Read(path).RenderText());
        Forward(path, json: true).ShouldContain("\"text\":\"a\uFFFDb\uFFFD\uFFFD\"");
    }

    [Fact]
    public void A_line_longer_than_the_bound_prints_in_marked_pieces_that_rejoin_to_the_line()
    {
        var path = _temp.File("long.bin.zst");
        var line = string.Concat(Enumerable.Range(0, 3000).Select(i => i % 10 == 0 ? "é" : "x"));
        using (var writer = ProcessEventsWriter.Create(path, Descriptions.Sample()))
        {
            writer.WriteSpawned(1);
            var bytes = Encoding.UTF8.GetBytes(line + "\nshort\n");
            for (var offset = 0; offset < bytes.Length; offset += 333)
            {
                writer.WriteStdout(bytes.AsSpan(offset, Math.Min(333, bytes.Length - offset)));
            }
            writer.WriteExited(0);
        }

        var printed = Forward(path, maxLine: 1000).Split('\n').Where(l => l.StartsWith('[') && !l.Contains("[process") && !l.Contains("[spawned")).ToList();
        var pieces = printed.Take(printed.Count - 1).Select(l => l[(l.IndexOf("] ", StringComparison.Ordinal) + 2)..]).ToList();
        pieces.Count.ShouldBe(4);
        pieces.Take(3).ShouldAllBe(p => p.EndsWith('\\'));
        pieces[^1].ShouldNotEndWith("\\");
        pieces.ShouldAllBe(p => Encoding.UTF8.GetByteCount(p.TrimEnd('\\')) <= 1000);
        string.Concat(pieces.Select((p, i) => i < pieces.Count - 1 ? p[..^1] : p)).ShouldBe(line);
        printed[^1].ShouldEndWith("] short");

        var json = Forward(path, json: true, maxLine: 1000).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.GetProperty("kind").GetString() == "output").ToList();
        json.Count.ShouldBe(5);
        json.Take(3).ShouldAllBe(e => e.GetProperty("continued").GetBoolean());
        json[3].TryGetProperty("continued", out _).ShouldBeFalse();
        string.Concat(json.Take(4).Select(e => e.GetProperty("text").GetString())).ShouldBe(line);
    }

    [Fact]
    public void Lines_waiting_behind_the_other_streams_open_line_are_bounded()
    {
        // stderr opens a line and never ends it; stdout then prints far more than the hold bound.
        var path = _temp.File("held.bin");
        using (var writer = ProcessEventsWriter.Create(path, Descriptions.Sample(), new ProcessEventsWriterOptions { Compress = false }))
        {
            writer.WriteSpawned(1);
            writer.WriteStderr("progress: "u8);
            for (var i = 0; i < 200; i++)
            {
                writer.WriteStdout(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat($"line {i}\n", 20))));
            }
            writer.WriteExited(0);
        }

        // Unbounded, the open stderr line sorts first (where its last chunk was), as in memory.
        Forward(path).ShouldBe(ProcessLog.Read(path).RenderText());
        // With a small hold bound the open line is cut as a piece at its place, and every line still prints once.
        var bounded = Forward(path, hold: 500).Split('\n');
        bounded.ShouldContain("[0.00s] progress: \\");
        bounded.Count(l => l.Contains("line ", StringComparison.Ordinal)).ShouldBe(4000);
    }

    /// <summary>One zstd frame holding <paramref name="newlines"/> newlines in 1 MiB stdout events: a few KB on disk.</summary>
    private string WriteNewlineBomb(int newlines)
    {
        using var raw = new MemoryStream();
        raw.Write(RawEvents.Magic);
        raw.Write(RawEvents.Event(1, Descriptions.Sample().ToJsonBytes()));
        raw.Write(RawEvents.Timed(2, 0, RawEvents.U32(1)));
        var chunk = Enumerable.Repeat((byte)'\n', ProcessEventsCodec.MaxChunkLength).ToArray();
        for (var left = newlines; left > 0; left -= chunk.Length)
        {
            raw.Write(RawEvents.Timed(3, 0, chunk[..Math.Min(left, chunk.Length)]));
        }
        raw.Write(RawEvents.Timed(5, 0, RawEvents.I32(0)));
        var path = _temp.File($"bomb-{newlines}.bin.zst");
        File.WriteAllBytes(path, ZstdCompressor.CompressFrame(raw.ToArray(), level: 19));
        return path;
    }

    [Fact]
    public void A_newline_bomb_streams_in_bounded_memory()
    {
        const int newlines = 24 * 1024 * 1024;
        var path = WriteNewlineBomb(newlines);
        new FileInfo(path).Length.ShouldBeLessThan(64 * 1024);

        var counting = new CountingStream();
        var before = GC.GetAllocatedBytesForCurrentThread();
        using (var output = new LogOutput(counting))
        {
            ProcessLogStreamer.WriteForward(path, new ProcessLogOptions(), LogFormatter.Text(output));
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // 24 Mi lines of "[0.00s] " were printed; what was allocated is a small constant (buffers), not the log.
        counting.Written.ShouldBeGreaterThan(9L * newlines);
        allocated.ShouldBeLessThan(8L * 1024 * 1024);
    }

    [Fact]
    public void Reverse_reading_allocates_the_same_few_buffers_however_often_lines_wait_behind_the_other_stream()
    {
        // Read backwards, a stderr line stays open until the previous stderr newline is found, and every stdout line
        // in between waits behind it. 300 waits, each past the hold limit, must reuse one arena, not grow a new one.
        var path = _temp.File("waits.bin.zst");
        var stdoutChunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 100).Select(i => $"stdout line {i:D4} of a chunk\n")));
        using (var writer = ProcessEventsWriter.Create(path, Descriptions.Sample()))
        {
            writer.Write(new SpawnedEvent(1, 2));
            for (var round = 0; round < 300; round++)
            {
                for (var chunk = 0; chunk < 40; chunk++)
                {
                    writer.Write(new StdoutEvent((uint)round, stdoutChunk));
                }
                writer.Write(new StderrEvent((uint)round, Encoding.ASCII.GetBytes($"warning {round}\n")));
            }
            writer.WriteExited(0);
        }

        var counting = new CountingStream();
        var before = GC.GetAllocatedBytesForCurrentThread();
        using (var output = new LogOutput(counting))
        {
            ProcessLogStreamer.WriteReverse(path, new ProcessLogOptions(), LogFormatter.Text(output), maxLineBytes: 16 * 1024, holdLimitBytes: 64 * 1024);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // About 1.2 M lines (over 40 MB) printed; allocated: the reader's windows and the splitter's buffers, once.
        counting.Written.ShouldBeGreaterThan(40L * 1024 * 1024);
        allocated.ShouldBeLessThan(12L * 1024 * 1024);
    }

    [Fact]
    public void The_first_line_of_a_bomb_reaches_the_output_before_much_is_decompressed()
    {
        var path = WriteNewlineBomb(24 * 1024 * 1024);
        var closed = new ClosedAfterFirstWrite();
        var before = GC.GetAllocatedBytesForCurrentThread();

        // `logs | head -1`: the reader stops at the first write that fails.
        Should.Throw<IOException>(() =>
        {
            using var output = new LogOutput(closed);
            ProcessLogStreamer.WriteForward(path, new ProcessLogOptions(), LogFormatter.Text(output));
        });

        closed.FirstWrite.ShouldNotBeNull().ShouldStartWith("- demo/project.bri:7:3\n");
        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(8L * 1024 * 1024);
    }

    [Fact]
    public void Reverse_reading_of_a_bomb_keeps_memory_bounded()
    {
        const int newlines = 24 * 1024 * 1024;
        var path = WriteNewlineBomb(newlines);
        var counting = new CountingStream();
        using (var output = new LogOutput(counting))
        {
            ProcessLogStreamer.WriteReverse(path, new ProcessLogOptions(), LogFormatter.Text(output));
        }
        counting.Written.ShouldBeGreaterThan(9L * newlines);

        // The one 24 MiB frame is read in windows: never more than a few of them are held at once.
        using var backward = ProcessEventsBackwardReader.Open(path);
        long events = 0;
        foreach (var _ in backward.ReadBackward())
        {
            events++;
        }
        events.ShouldBe(24 + 3);
        backward.PeakLoadedBytes.ShouldBeLessThanOrEqualTo(3L * ProcessEventsBackwardReader.WindowLength);
        backward.FramesDecompressed.ShouldBeGreaterThan(6);
    }

    [Fact]
    public void Output_goes_out_in_large_blocks_not_a_write_per_line()
    {
        var path = WriteMixedLog(7, compress: true);
        var counting = new CountingStream();
        using (var output = new LogOutput(counting))
        {
            ProcessLogStreamer.WriteForward(path, new ProcessLogOptions(), LogFormatter.Text(output));
        }
        var lines = ProcessLog.Read(path).Lines.Count;
        lines.ShouldBeGreaterThan(100);
        counting.Writes.ShouldBe((int)((counting.Written + LogOutput.DefaultBufferSize - 1) / LogOutput.DefaultBufferSize));
    }

    private sealed class CountingStream : Stream
    {
        public long Written { get; private set; }
        public int Writes { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Written += buffer.Length;
            Writes++;
        }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>A pipe whose reader takes the first block and goes away (EPIPE on the next write).</summary>
    private sealed class ClosedAfterFirstWrite : Stream
    {
        public string? FirstWrite { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (FirstWrite is not null)
            {
                throw new IOException("Broken pipe", 32);
            }
            FirstWrite = Encoding.UTF8.GetString(buffer);
        }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
