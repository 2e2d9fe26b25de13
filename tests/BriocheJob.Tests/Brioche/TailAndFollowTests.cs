using System.Text;
using BriocheJob.Brioche;
using BriocheJob.Diagnostics;

namespace BriocheJob.Tests.Brioche;

public sealed class TailAndFollowTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>~24 MiB of compressible build output in 64 KiB chunks that split lines, plus a little stderr.</summary>
    private string WriteLargeLog(bool keepSeekTable = true)
    {
        var path = _temp.File("large.bin.zst");
        var text = new StringBuilder();
        for (var i = 0; i < 400_000; i++)
        {
            text.Append("compiling unit ").Append(i.ToString("D7")).Append(" of the large build ........\n");
        }
        text.Append("final line without newline");
        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        using (var writer = ProcessEventsWriter.Create(path, Descriptions.Sample()))
        {
            writer.Write(new SpawnedEvent(100, 31337));
            uint elapsed = 200;
            for (var offset = 0; offset < bytes.Length; offset += 65_536)
            {
                writer.Write(new StdoutEvent(elapsed++, bytes.AsSpan(offset, Math.Min(65_536, bytes.Length - offset)).ToArray()));
                if (offset % (65_536 * 50) == 0)
                {
                    writer.Write(new StderrEvent(elapsed, Encoding.ASCII.GetBytes($"warning at {offset}\n")));
                }
            }
            writer.Write(new ExitedEvent(90_000, 2));
        }
        if (!keepSeekTable)
        {
            // A killed writer: no seek table and half of the last frame missing.
            var file = File.ReadAllBytes(path);
            var frames = (int)BitConverter.ToUInt32(file, file.Length - 9);
            var dataLength = file.Length - (8 + 8 * frames + 9);
            var lastFrame = (int)BitConverter.ToUInt32(file, file.Length - 9 - 8);
            File.WriteAllBytes(path, file.AsSpan(0, dataLength - lastFrame / 2).ToArray());
        }
        return path;
    }

    [Fact]
    public void Tail_decompresses_only_the_last_frames_and_matches_a_full_read()
    {
        var path = WriteLargeLog();
        var full = ProcessLog.Read(path);
        full.OutputLines.Count.ShouldBe(400_001 + 7);
        full.FramesDecompressed.ShouldBeGreaterThan(20);

        var tail = ProcessLog.Read(path, new ProcessLogOptions { Tail = 20 });

        tail.OutputLines.ShouldBe(full.OutputLines.TakeLast(20).ToList());
        tail.OutputLines[^1].Text.ShouldBe("final line without newline");
        tail.Spawned.ShouldBe(new SpawnedEvent(100, 31337));
        tail.Exit.ShouldBe(new ExitedEvent(90_000, 2));
        tail.Description!.RecipeHash.ShouldBe(Descriptions.Sample().RecipeHash);
        // Frame 0, the start of frame 1 (Spawned), and the last frames the 2 MiB look-behind reaches.
        tail.FramesDecompressed.ShouldBeLessThanOrEqualTo(6);
    }

    /// <summary>
    /// Five 1 MiB stdout chunks in 256 KiB frames, a short stdout chunk, then one stderr line and the exit: a tail's
    /// last line is on stderr, so the walk looks back 2 MiB for an earlier stderr chunk that would continue it.
    /// </summary>
    private string WriteLogEndingOnStderr(bool keepSeekTable = true)
    {
        var path = _temp.File(keepSeekTable ? "stderr-last.bin.zst" : "stderr-last-cut.bin.zst");
        using (var writer = ProcessEventsWriter.Create(path, Descriptions.Sample(), new ProcessEventsWriterOptions { FrameSize = 256 * 1024 }))
        {
            writer.Write(new SpawnedEvent(100, 4242));
            var line = 0;
            for (var chunk = 0; chunk < 5; chunk++)
            {
                var text = new StringBuilder();
                while (text.Length < ProcessEventsCodec.MaxChunkLength - 40)
                {
                    text.Append("build output line ").Append(line++.ToString("D8")).Append(" .........\n");
                }
                writer.Write(new StdoutEvent((uint)(200 + chunk), Encoding.ASCII.GetBytes(text.ToString().PadRight(ProcessEventsCodec.MaxChunkLength, '.'))));
            }
            var last = new StringBuilder();
            for (var i = 0; i < 30; i++)
            {
                last.Append("last lines ").Append(i).Append('\n');
            }
            writer.Write(new StdoutEvent(300, Encoding.ASCII.GetBytes(last.ToString())));
            writer.Write(new StderrEvent(301, "done with warnings\n"u8.ToArray()));
            writer.Write(new ExitedEvent(400, 1));
        }
        if (!keepSeekTable)
        {
            var file = File.ReadAllBytes(path);
            var frames = (int)BitConverter.ToUInt32(file, file.Length - 9);
            File.WriteAllBytes(path, file.AsSpan(0, file.Length - (8 + 8 * frames + 9)).ToArray());
        }
        return path;
    }

    [Fact]
    public void Tail_whose_last_line_is_on_the_other_stream_decompresses_only_the_frames_holding_headers()
    {
        var path = WriteLogEndingOnStderr();
        var full = ProcessLog.Read(path);
        var tail = ProcessLog.Read(path, new ProcessLogOptions { Tail = 20 });

        tail.OutputLines.ShouldBe(full.OutputLines.TakeLast(20).ToList());
        tail.OutputLines[^1].ShouldBe(full.OutputLines[^1]);
        tail.OutputLines[^1].Text.ShouldBe("done with warnings");
        tail.RenderText().ShouldBe(RenderTail(full, 20));
        // The same lines as a reader that loads every event it walks over (no seek table: frames found by size).
        var unindexed = ProcessLog.Read(WriteLogEndingOnStderr(keepSeekTable: false), new ProcessLogOptions { Tail = 20 });
        unindexed.OutputLines.ShouldBe(tail.OutputLines);
        unindexed.TailBytesDecompressed.ShouldBeGreaterThan(2L * ProcessEventsCodec.MaxChunkLength);

        // The 2 MiB look-behind passes over two 1 MiB chunks (eight frames) and stops at the third: the last frame and
        // the first bytes of the two frames holding those chunks' headers are decompressed, not the 2 MiB.
        tail.TailBytesDecompressed.ShouldBeLessThan(3 * 256 * 1024);
        tail.FramesDecompressed.ShouldBeLessThanOrEqualTo(2 + 1 + 2);
    }

    [Fact]
    public void Tail_of_one_stream_passes_over_the_other_streams_chunks_without_decompressing_them()
    {
        var path = WriteLogEndingOnStderr();
        var stdout = ProcessLog.Read(path, new ProcessLogOptions { Stream = OutputStream.Stdout });
        var tail = ProcessLog.Read(path, new ProcessLogOptions { Stream = OutputStream.Stdout, Tail = 5, Reverse = true });
        tail.OutputLines.ShouldBe(stdout.OutputLines.TakeLast(5).ToList());
        tail.Lines.Where(l => l.Kind == LogLineKind.Output).ShouldBe(stdout.OutputLines.TakeLast(5).Reverse().ToList());
        tail.TailBytesDecompressed.ShouldBeLessThan(3 * 256 * 1024);

        var stderr = ProcessLog.Read(path, new ProcessLogOptions { Stream = OutputStream.Stderr, Tail = 1 });
        stderr.OutputLines.Single().Text.ShouldBe("done with warnings");
        stderr.TailBytesDecompressed.ShouldBeLessThan(3 * 256 * 1024);
    }

    [Fact]
    public void Tail_through_a_seek_table_whose_sizes_lie_fails_with_a_coded_error()
    {
        var path = WriteLogEndingOnStderr();
        var file = File.ReadAllBytes(path);
        var frames = (int)BitConverter.ToUInt32(file, file.Length - 9);
        var table = file.Length - 9 - 8 * frames;
        for (var i = 2; i < frames - 2; i++)
        {
            // Every middle frame's decompressed size, 7 bytes too big.
            var at = table + 8 * i + 4;
            BitConverter.TryWriteBytes(file.AsSpan(at, 4), BitConverter.ToUInt32(file, at) + 7).ShouldBeTrue();
        }
        File.WriteAllBytes(path, file);
        Should.Throw<BriocheJobException>(() => ProcessLog.Read(path, new ProcessLogOptions { Tail = 20 }));
    }

    private static string RenderTail(ProcessLog full, int lines)
    {
        var all = full.Lines;
        var output = all.Where(l => l.Kind == LogLineKind.Output).ToList();
        var keep = output.TakeLast(lines).ToHashSet();
        var text = new StringBuilder();
        foreach (var line in all.Where(l => l.Kind != LogLineKind.Output || keep.Contains(l)))
        {
            text.Append(line.Render()).Append('\n');
        }
        return text.ToString();
    }

    [Fact]
    public void Tail_without_a_seek_table_scans_frame_sizes_and_trims_the_cut_event()
    {
        var path = WriteLargeLog(keepSeekTable: false);
        var full = ProcessLog.Read(path);
        full.EndedAbruptly.ShouldBeTrue();

        using (var backward = ProcessEventsBackwardReader.Open(path))
        {
            backward.ReadBackward().First().ShouldBeOfType<StdoutEvent>();
            backward.HasSeekTable.ShouldBeFalse();
            backward.FrameCount.ShouldBeGreaterThan(20);
            backward.FramesDecompressed.ShouldBeLessThanOrEqualTo(2);
            backward.EndedAbruptly.ShouldBeTrue();
        }
        var tail = ProcessLog.Read(path, new ProcessLogOptions { Tail = 20 });
        tail.OutputLines.ShouldBe(full.OutputLines.TakeLast(20).ToList());
        tail.EndedAbruptly.ShouldBeTrue();
        tail.Exit.ShouldBeNull();
    }

    [Fact]
    public void Stream_filter_and_reverse()
    {
        var path = WriteLargeLog();
        var stderr = ProcessLog.Read(path, new ProcessLogOptions { Stream = OutputStream.Stderr });
        stderr.OutputLines.Count.ShouldBe(7);
        stderr.OutputLines.ShouldAllBe(l => l.Stream == OutputStream.Stderr && l.Text.StartsWith("warning at "));

        var tail = ProcessLog.Read(path, new ProcessLogOptions { Stream = OutputStream.Stderr, Tail = 3, Reverse = true });
        tail.OutputLines.ShouldBe(stderr.OutputLines.TakeLast(3).ToList());
        var lines = tail.Lines;
        lines[0].Kind.ShouldBe(LogLineKind.StackFrame);
        lines[1].Kind.ShouldBe(LogLineKind.Exit);
        lines[2].ShouldBe(stderr.OutputLines[^1]);
        lines[^1].Kind.ShouldBe(LogLineKind.Spawned);
    }

    [Fact]
    public void Stdin_like_streams_read_forward_with_a_bounded_tail()
    {
        var path = WriteLargeLog();
        using var stream = new NonSeekableStream(File.OpenRead(path));
        var tail = ProcessLog.Read(stream, new ProcessLogOptions { Tail = 5 });
        tail.OutputLines.ShouldBe(ProcessLog.Read(path, new ProcessLogOptions { Tail = 5 }).OutputLines);
    }

    [Fact]
    public async Task Follow_sees_lines_written_by_another_thread_and_stops_at_exit()
    {
        var path = _temp.File("live.bin.zst");
        using var started = new ManualResetEventSlim();
        var writerTask = Task.Run(async () =>
        {
            using var writer = ProcessEventsWriter.Create(path, Descriptions.Sample());
            started.Set();
            await Task.Delay(100);
            writer.WriteSpawned(555);
            for (var i = 0; i < 5; i++)
            {
                await Task.Delay(40);
                writer.WriteStdout(Encoding.ASCII.GetBytes($"tick {i}"));
                writer.WriteStdout("\n"u8);
            }
            writer.WriteStderr("partial"u8);
            await Task.Delay(40);
            writer.WriteExited(1);
        });
        started.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var lines = new List<LogLine>();
        await foreach (var line in ProcessLog.FollowAsync(path, pollInterval: TimeSpan.FromMilliseconds(10), cancellationToken: timeout.Token))
        {
            lines.Add(line);
        }
        await writerTask;

        lines.Select(l => l.Kind).ShouldBe([LogLineKind.StackFrame, LogLineKind.Spawned,
            LogLineKind.Output, LogLineKind.Output, LogLineKind.Output, LogLineKind.Output, LogLineKind.Output,
            LogLineKind.Output, LogLineKind.Exit]);
        lines.Where(l => l.Kind == LogLineKind.Output).Select(l => l.Text)
            .ShouldBe(["tick 0", "tick 1", "tick 2", "tick 3", "tick 4", "partial"]);
        lines[^1].Render().ShouldEndWith("[process exited with code 1]");
    }

    [Fact]
    public async Task Follow_ends_abruptly_when_the_file_is_deleted()
    {
        var path = _temp.File("deleted.bin.zst");
        var writer = ProcessEventsWriter.Create(path, Descriptions.Sample());
        writer.WriteSpawned(9);
        writer.WriteStdout("one\n"u8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var follow = Task.Run(async () =>
        {
            var seen = new List<LogLine>();
            await foreach (var line in ProcessLog.FollowAsync(path, pollInterval: TimeSpan.FromMilliseconds(10), cancellationToken: timeout.Token))
            {
                seen.Add(line);
            }
            return seen;
        });
        await Task.Delay(200);
        File.Delete(path);
        var lines = await follow;
        writer.Dispose();

        lines.Select(l => l.Text).ShouldContain("one");
        lines[^1].Kind.ShouldBe(LogLineKind.EndedAbruptly);
    }

    private sealed class NonSeekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 1000));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
