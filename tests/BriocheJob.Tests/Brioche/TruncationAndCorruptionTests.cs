using System.Buffers.Binary;
using System.Text;
using BriocheJob.Brioche;
using BriocheJob.Diagnostics;
using BriocheJob.Zstd;

namespace BriocheJob.Tests.Brioche;

public sealed class TruncationAndCorruptionTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static byte[] Write(bool compress, Action<ProcessEventsWriter> body, int frameSize = 1_048_576)
    {
        using var memory = new MemoryStream();
        using (var writer = new ProcessEventsWriter(memory, Descriptions.Sample(), new ProcessEventsWriterOptions { Compress = compress, FrameSize = frameSize }, leaveOpen: true))
        {
            body(writer);
        }
        return memory.ToArray();
    }

    private static void Lines(ProcessEventsWriter writer)
    {
        writer.Write(new SpawnedEvent(1, 77));
        for (var i = 0; i < 40; i++)
        {
            writer.Write(i % 3 == 0
                ? new StderrEvent((uint)(10 + i), Encoding.ASCII.GetBytes($"err {i}\n"))
                : new StdoutEvent((uint)(10 + i), Encoding.ASCII.GetBytes($"out {i} part-")));
        }
        writer.Write(new ExitedEvent(100, 1));
    }

    private static (List<ProcessEvent> Events, bool Abrupt) ReadAll(byte[] bytes)
    {
        using var reader = new ProcessEventsReader(new MemoryStream(bytes));
        var events = reader.ReadAll().ToList();
        return (events, reader.EndedAbruptly);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_cut_yields_the_complete_events_and_reports_an_abrupt_end(bool compress)
    {
        // Small frames so cuts land in many frames; the reader does not care about frame size.
        var full = Write(compress, Lines, frameSize: 256);
        var all = ReadAll(full).Events;
        var rawLength = compress ? ZstdCli.DecompressBytes(full).Length : full.Length;
        var boundaries = EventEnds(compress ? ZstdCli.DecompressBytes(full) : full);

        // A zero-byte cut is no events file at all (BJ2002); every longer cut is a truncated one.
        Should.Throw<BriocheJobException>(() => ReadAll([])).Code.ShouldBe(Catalog.Events.NotAnEventsFile);
        for (var cut = 1; cut < full.Length; cut += Math.Max(1, full.Length / 300))
        {
            var prefix = full.AsSpan(0, cut).ToArray();
            var (events, abrupt) = ReadAll(prefix);
            events.ShouldBe(all.Take(events.Count).ToList(), $"cut {cut}");
            var available = compress ? AvailableDecompressed(prefix) : cut;
            events.Count.ShouldBe(boundaries.Count(end => end <= available), $"cut {cut}");
            if (!abrupt)
            {
                // A clean end is possible only when the cut falls on an event boundary.
                (events.Count == all.Count || !compress && boundaries.Contains(cut)).ShouldBeTrue($"cut {cut}");
            }
            if (events.Count < all.Count && compress)
            {
                abrupt.ShouldBeTrue($"cut {cut}");
            }
        }
        rawLength.ShouldBeGreaterThan(0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Tail_of_a_cut_file_without_seek_table_matches_a_forward_read(bool compress)
    {
        var full = Write(compress, Lines, frameSize: 300);
        var seekTableLength = compress ? 8 + 9 + 8 * (int)BinaryPrimitives.ReadUInt32LittleEndian(full.AsSpan(full.Length - 9)) : 0;
        var withoutTable = full.Length - seekTableLength;
        for (var cut = withoutTable; cut > 120; cut -= 37)
        {
            var path = _temp.File($"cut-{compress}-{cut}");
            File.WriteAllBytes(path, full.AsSpan(0, cut).ToArray());
            var forward = ProcessLog.Read(path);
            var tail = ProcessLog.Read(path, new ProcessLogOptions { Tail = 6 });
            tail.OutputLines.ShouldBe(forward.OutputLines.TakeLast(6).ToList(), $"cut {cut}");
            tail.Exit.ShouldBe(forward.Exit, $"cut {cut}");
            tail.EndedAbruptly.ShouldBe(forward.EndedAbruptly, $"cut {cut}");
        }
    }

    [Fact]
    public void Renders_log_ended_abruptly_for_a_cut_file()
    {
        var full = Write(true, Lines);
        var path = _temp.File("cut.zst");
        File.WriteAllBytes(path, full.AsSpan(0, full.Length / 2).ToArray());

        var log = ProcessLog.Read(path);
        log.EndedAbruptly.ShouldBeTrue();
        log.Exit.ShouldBeNull();
        log.RenderText().TrimEnd('\n').Split('\n')[^1].ShouldBe("log ended abruptly");
    }

    private static List<long> EventEnds(byte[] raw)
    {
        var ends = new List<long>();
        long position = 32;
        while (position + 5 <= raw.Length)
        {
            position += BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan((int)position + 1)) + 10;
            ends.Add(position);
        }
        return ends;
    }

    private static long AvailableDecompressed(byte[] prefix)
    {
        using var stream = new ZstdDecompressionStream(new MemoryStream(prefix));
        using var output = new MemoryStream();
        stream.CopyTo(output);
        return output.Length;
    }

    public static TheoryData<string, string> CorruptCases() => new()
    {
        { "unknown-kind", Catalog.Events.CorruptEvents },
        { "trailer-mismatch", Catalog.Events.CorruptEvents },
        { "bad-length", Catalog.Events.CorruptEvents },
        { "bad-magic", Catalog.Events.NotAnEventsFile },
        { "not-events", Catalog.Events.NotAnEventsFile },
        { "bad-zstd", Catalog.Events.CorruptCompression },
        { "bad-json", Catalog.Events.BadDescription },
    };

    [Theory]
    [MemberData(nameof(CorruptCases))]
    public void Corrupt_files_fail_with_a_clear_one_line_coded_error(string corruption, string code)
    {
        var raw = Write(false, Lines);
        var descriptionLength = (int)BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(33));
        var spawned = 32 + descriptionLength + 10;
        byte[] bytes;
        switch (corruption)
        {
            case "unknown-kind":
                raw[spawned] = 9;
                bytes = raw;
                break;
            case "trailer-mismatch":
                raw[spawned + 5 + 8] = 3;
                bytes = raw;
                break;
            case "bad-length":
                raw[spawned + 4] = 9;
                bytes = raw;
                break;
            case "bad-magic":
                raw[20] = (byte)'X';
                bytes = raw;
                break;
            case "not-events":
                bytes = Encoding.ASCII.GetBytes("#!/bin/sh\necho this is not an events file\n");
                break;
            case "bad-zstd":
                bytes = Write(true, Lines);
                for (var i = 20; i < 60; i++)
                {
                    bytes[i] ^= 0x5A;
                }
                break;
            default:
                bytes = RawEvents.Concat(RawEvents.Magic, RawEvents.Event(1, Encoding.ASCII.GetBytes("{\"recipe\": nope}")));
                break;
        }

        var error = Should.Throw<BriocheJobException>(() => ReadAll(bytes));
        error.Code.ShouldBe(code);
        error.Message.ShouldNotContain('\n');
        error.Message.Length.ShouldBeGreaterThan(10);
        var path = _temp.File(corruption);
        File.WriteAllBytes(path, bytes);
        if (corruption is not ("bad-zstd" or "bad-json" or "bad-magic"))
        {
            // The trailer-driven backward reader finds the same damage.
            Should.Throw<BriocheJobException>(() => ProcessLog.Read(path, new ProcessLogOptions { Tail = 100 }));
        }
    }

    [Fact]
    public void A_missing_file_is_a_not_found_error()
    {
        var error = Should.Throw<BriocheJobException>(() => ProcessLog.Read(_temp.File("missing.zst")));
        error.Code.ShouldBe(Catalog.Events.EventsFileNotFound);
        error.Kind.ShouldBe(ErrorKind.NotFound);
    }
}
