using System.Buffers.Binary;
using System.Text;
using BriocheJob.Brioche;
using BriocheJob.Diagnostics;
using BriocheJob.Zstd;

namespace BriocheJob.Tests.Brioche;

public sealed class WriterTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static void WriteSample(ProcessEventsWriter writer)
    {
        writer.Write(new SpawnedEvent(15, 4242));
        writer.Write(new StdoutEvent(20, Encoding.UTF8.GetBytes("hello\nwor")));
        writer.Write(new StderrEvent(25, Encoding.UTF8.GetBytes("oops\n")));
        writer.Write(new StdoutEvent(30, Encoding.UTF8.GetBytes("ld\nno newline")));
        writer.Write(new ExitedEvent(40, 3));
    }

    [Fact]
    public void Zstd_cli_decompresses_the_file_to_magic_plus_the_encoded_events()
    {
        var path = _temp.File("events.bin.zst");
        var description = Descriptions.Sample();
        using (var writer = ProcessEventsWriter.Create(path, description))
        {
            WriteSample(writer);
        }

        var expected = RawEvents.Concat(
            RawEvents.Magic,
            RawEvents.Event(1, description.ToJsonBytes()),
            RawEvents.Timed(2, 15, RawEvents.U32(4242)),
            RawEvents.Timed(3, 20, Encoding.UTF8.GetBytes("hello\nwor")),
            RawEvents.Timed(4, 25, Encoding.UTF8.GetBytes("oops\n")),
            RawEvents.Timed(3, 30, Encoding.UTF8.GetBytes("ld\nno newline")),
            RawEvents.Timed(5, 40, RawEvents.I32(3)));
        ZstdCli.Decompress(path).ShouldBe(expected);
    }

    [Fact]
    public void Frame_zero_holds_exactly_the_magic_and_the_description_and_the_seek_table_is_exact()
    {
        var path = _temp.File("events.bin.zst");
        var description = Descriptions.Sample();
        using (var writer = ProcessEventsWriter.Create(path, description))
        {
            WriteSample(writer);
        }
        var file = File.ReadAllBytes(path);

        // Walk the frames by size and decompress each one on its own.
        var frames = new List<(int Offset, int Compressed, byte[] Data)>();
        var offset = 0;
        while (!ZstdFrames.IsSkippableMagic(BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset))))
        {
            var size = (int)ZstdFrames.FindFrameCompressedSize(file.AsSpan(offset));
            frames.Add((offset, size, ZstdDecompressionStream.DecompressAll(file.AsSpan(offset, size))));
            offset += size;
        }
        frames.Count.ShouldBe(2);
        frames[0].Data.ShouldBe(RawEvents.Concat(RawEvents.Magic, RawEvents.Event(1, description.ToJsonBytes())));

        var table = new List<byte>();
        table.AddRange([0x5E, 0x2A, 0x4D, 0x18]);
        table.AddRange(BitConverter.GetBytes((uint)(8 * frames.Count + 9)));
        foreach (var frame in frames)
        {
            table.AddRange(BitConverter.GetBytes((uint)frame.Compressed));
            table.AddRange(BitConverter.GetBytes((uint)frame.Data.Length));
        }
        table.AddRange(BitConverter.GetBytes((uint)frames.Count));
        table.Add(0);
        table.AddRange([0xB1, 0xEA, 0x92, 0x8F]);
        file.AsSpan(offset).ToArray().ShouldBe(table.ToArray());
    }

    [Fact]
    public void Round_trips_through_the_reader()
    {
        using var memory = new MemoryStream();
        var description = Descriptions.Sample();
        using (var writer = new ProcessEventsWriter(memory, description, leaveOpen: true))
        {
            WriteSample(writer);
            writer.Write(new ExitedWithSignalEvent(50, 9));
            writer.Write(new ExitedWithMessageEvent(60, "sandbox failed: é"));
        }
        memory.Position = 0;
        using var reader = new ProcessEventsReader(memory);
        var events = reader.ReadAll().ToList();

        reader.EndedAbruptly.ShouldBeFalse();
        reader.IsCompressed.ShouldBe(true);
        events.Select(e => e.Kind).ShouldBe([
            ProcessEventKind.Description, ProcessEventKind.Spawned, ProcessEventKind.Stdout, ProcessEventKind.Stderr,
            ProcessEventKind.Stdout, ProcessEventKind.Exited, ProcessEventKind.ExitedWithSignal, ProcessEventKind.ExitedWithMessage]);
        var read = ((DescriptionEvent)events[0]).Description;
        read.RecipeHash.ShouldBe(description.RecipeHash);
        read.CreatedAt.ShouldBe(description.CreatedAt);
        read.CreatedAtZone.ShouldBe("America/Los_Angeles");
        read.ArgsDisplay.ShouldBe(["-c", "echo `hi`\u00e9"]);
        read.Meta.Source![0].ToDisplayString().ShouldBe("demo/project.bri:7:3");
        events[1].ShouldBe(new SpawnedEvent(15, 4242));
        Encoding.UTF8.GetString(((StdoutEvent)events[4]).Data.Span).ShouldBe("ld\nno newline");
        events[5].ShouldBe(new ExitedEvent(40, 3));
        events[6].ShouldBe(new ExitedWithSignalEvent(50, 9));
        events[7].ShouldBe(new ExitedWithMessageEvent(60, "sandbox failed: é"));
    }

    [Fact]
    public void Uncompressed_files_start_with_the_magic_and_read_back()
    {
        var path = _temp.File("events.bin");
        using (var writer = ProcessEventsWriter.Create(path, Descriptions.Sample(), new ProcessEventsWriterOptions { Compress = false }))
        {
            WriteSample(writer);
        }
        File.ReadAllBytes(path).AsSpan(0, 32).ToArray().ShouldBe(RawEvents.Magic);

        var log = ProcessLog.Read(path);
        log.OutputLines.Select(l => (l.Text, l.Stream)).ShouldBe([
            ("hello", OutputStream.Stdout), ("oops", OutputStream.Stderr), ("world", OutputStream.Stdout), ("no newline", OutputStream.Stdout)]);
        ProcessLog.Read(path, new ProcessLogOptions { Tail = 2 }).OutputLines.ShouldBe(log.OutputLines.TakeLast(2).ToList());
    }

    [Fact]
    public void Cuts_frames_every_mebibyte_and_splits_big_chunks()
    {
        var path = _temp.File("events.bin.zst");
        var big = new byte[2_500_000];
        new Random(7).NextBytes(big);
        IReadOnlyList<SeekTableEntry> frames;
        using (var writer = ProcessEventsWriter.Create(path, Descriptions.Sample()))
        {
            writer.WriteSpawned(1);
            writer.WriteStdout(big);
            writer.WriteExited(0);
            writer.Complete();
            frames = writer.Frames;
        }

        frames.Count.ShouldBe(4);
        frames.Skip(1).SkipLast(1).ShouldAllBe(f => f.DecompressedSize == 1_048_576);
        using var reader = ProcessEventsReader.Open(path);
        var chunks = reader.ReadAll().OfType<StdoutEvent>().ToList();
        chunks.Select(c => c.Data.Length).ShouldBe([1_048_576, 1_048_576, 2_500_000 - 2 * 1_048_576]);
        chunks.SelectMany(c => c.Data.ToArray()).ToArray().ShouldBe(big);
        reader.FramesCompleted.ShouldBe(5); // four data frames and the seek table
        ZstdCli.Decompress(path).Length.ShouldBe(frames.Sum(f => (int)f.DecompressedSize));
    }

    [Fact]
    public void Description_is_on_disk_before_the_constructor_returns()
    {
        var path = _temp.File("events.bin.zst");
        using var writer = ProcessEventsWriter.Create(path, Descriptions.Sample("ab".PadRight(64, 'c')));

        // Another handle sees frame 0 while the writer is still open.
        ProcessEventsReader.ReadDescription(path).RecipeHash.ShouldBe("ab".PadRight(64, 'c'));
        writer.WriteStdout("streamed\n"u8);
        using var reader = ProcessEventsReader.Open(path);
        var events = reader.ReadAll().ToList();
        events.OfType<StdoutEvent>().Single().Data.ToArray().ShouldBe("streamed\n"u8.ToArray());
        reader.EndedAbruptly.ShouldBeTrue(); // the frame is still open
    }

    [Fact]
    public void Writing_after_completion_is_a_coded_error()
    {
        using var writer = new ProcessEventsWriter(new MemoryStream(), Descriptions.Sample());
        writer.Complete();
        var error = Should.Throw<BriocheJobException>(() => writer.WriteExited(0));
        error.Code.ShouldBe(Catalog.Events.WriterMisuse);
    }
}
