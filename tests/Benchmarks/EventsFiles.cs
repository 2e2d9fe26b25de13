using System.Text;
using BriocheJob.Brioche;
using BriocheJob.Zstd;

namespace Benchmarks;

/// <summary>
/// Makes the events files the whole-process script (eng/logs-bench.sh) measures:
/// <c>text FILE</c>, about 200 MB of build-like text in 4.2 M lines written by our writer (seek table, 1 MiB frames);
/// <c>bomb FILE</c>, a few KB whose one zstd frame inflates to 200 MiB of newlines.
/// Run as <c>dotnet run -c Release --project tests/Benchmarks -- make-events text|bomb FILE</c>.
/// </summary>
public static class EventsFiles
{
    public static int Make(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: make-events text|bomb FILE");
            return 2;
        }
        var partial = args[2] + ".tmp";
        switch (args[1])
        {
            case "text":
                WriteText(partial, 4_200_000);
                break;
            case "bomb":
                WriteBomb(partial, 200 * 1024 * 1024);
                break;
            default:
                Console.Error.WriteLine($"unknown kind {args[1]}");
                return 2;
        }
        File.Move(partial, args[2], overwrite: true);
        Console.WriteLine($"{args[2]}: {new FileInfo(args[2]).Length:N0} bytes");
        return 0;
    }

    private static ProcessDescription Description()
    {
        var description = new ProcessDescription
        {
            Recipe = System.Text.Json.JsonSerializer.SerializeToElement(new { type = "complete_process", platform = "x86_64-linux" }),
            RootDir = "/bench/root",
            OutputDir = "/bench/outputs/output-" + new string('b', 64),
        };
        description.SetCreatedAt(DateTimeOffset.UtcNow);
        return description;
    }

    /// <summary>Lines of 30..70 bytes with a random hash, in chunks of 1..64 KiB, a little stderr among them.</summary>
    public static void WriteText(string path, int lines)
    {
        var random = new Random(42);
        using var writer = ProcessEventsWriter.Create(path, Description());
        writer.WriteSpawned(4242);
        var chunk = new StringBuilder();
        uint elapsed = 5;
        var line = 0;
        while (line < lines)
        {
            chunk.Clear();
            var size = random.Next(1024, 64 * 1024);
            while (chunk.Length < size && line < lines)
            {
                chunk.Append("cc -c src/module_").Append(line % 977).Append(".c -O2 ").Append(random.NextInt64().ToString("x"))
                    .Append(random.Next(2) == 0 ? " ok\n" : " -Wall\n");
                line++;
            }
            var bytes = Encoding.ASCII.GetBytes(chunk.ToString());
            for (var offset = 0; offset < bytes.Length; offset += ProcessEventsCodec.MaxChunkLength)
            {
                writer.Write(new StdoutEvent(elapsed, bytes.AsSpan(offset, Math.Min(ProcessEventsCodec.MaxChunkLength, bytes.Length - offset)).ToArray()));
            }
            if (random.Next(50) == 0)
            {
                writer.Write(new StderrEvent(elapsed, Encoding.ASCII.GetBytes($"warning: unused variable at line {line}\n")));
            }
            elapsed += (uint)random.Next(0, 3);
        }
        writer.WriteExited(1);
    }

    /// <summary>Magic, Description, Spawned, newline-only stdout events and an exit, all in one zstd frame (level 19).</summary>
    public static void WriteBomb(string path, long newlines)
    {
        using var file = File.Create(path);
        using var compressor = new ZstdCompressor(level: 19);
        compressor.Compress(ProcessEventsCodec.Magic, ZstdEndDirective.Continue, file);
        compressor.Compress(ProcessEventsCodec.Encode(new DescriptionEvent(Description(), Description().ToJsonBytes())), ZstdEndDirective.Continue, file);
        compressor.Compress(ProcessEventsCodec.Encode(new SpawnedEvent(0, 1)), ZstdEndDirective.Continue, file);
        var chunk = ProcessEventsCodec.Encode(new StdoutEvent(0, Enumerable.Repeat((byte)'\n', ProcessEventsCodec.MaxChunkLength).ToArray()));
        for (long left = newlines; left > 0; left -= ProcessEventsCodec.MaxChunkLength)
        {
            var encoded = left >= ProcessEventsCodec.MaxChunkLength ? chunk
                : ProcessEventsCodec.Encode(new StdoutEvent(0, Enumerable.Repeat((byte)'\n', (int)left).ToArray()));
            compressor.Compress(encoded, ZstdEndDirective.Continue, file);
        }
        compressor.Compress(ProcessEventsCodec.Encode(new ExitedEvent(0, 0)), ZstdEndDirective.End, file);
    }
}
