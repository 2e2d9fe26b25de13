using System.Text;
using BenchmarkDotNet.Attributes;
using BriocheJob.Brioche;

namespace Benchmarks;

/// <summary>
/// Process-events reading: forward throughput over a large log, and a 20-line tail (seek table, last frames only)
/// against a full read. The log (~200 MB decompressed; BJ_EVENTS_BENCH_MB overrides) is generated once per size
/// with our writer and cached in the temp dir across benchmark processes.
/// </summary>
[MemoryDiagnoser]
public class EventsBenchmarks
{
    private string _path = "";

    [GlobalSetup]
    public void Setup()
    {
        var megabytes = int.TryParse(Environment.GetEnvironmentVariable("BJ_EVENTS_BENCH_MB"), out var mb) ? mb : 200;
        var dir = Path.Combine(Path.GetTempPath(), "brioche-job-bench");
        Directory.CreateDirectory(dir);
        _path = Path.Combine(dir, $"events-{megabytes}mb.bin.zst");
        if (!File.Exists(_path))
        {
            var partial = _path + "." + Environment.ProcessId + ".tmp";
            Generate(partial, megabytes * 1024L * 1024L);
            File.Move(partial, _path, overwrite: true);
        }
    }

    private static void Generate(string path, long size)
    {
        var description = new ProcessDescription
        {
            Recipe = System.Text.Json.JsonSerializer.SerializeToElement(new { type = "complete_process", platform = "x86_64-linux" }),
            RootDir = "/bench/root",
            OutputDir = "/bench/outputs/output-" + new string('b', 64),
        };
        description.SetCreatedAt(DateTimeOffset.UtcNow);
        using var writer = ProcessEventsWriter.Create(path, description);
        writer.WriteSpawned(1234);
        var chunk = new StringBuilder();
        long written = 0;
        var line = 0;
        uint elapsed = 10;
        while (written < size)
        {
            chunk.Clear();
            while (chunk.Length < 32 * 1024)
            {
                chunk.Append("[").Append(line).Append("] compiling src/module_").Append(line % 977).Append(".c -O2 -Wall\n");
                line++;
            }
            var bytes = Encoding.ASCII.GetBytes(chunk.ToString());
            writer.Write(new StdoutEvent(elapsed++, bytes));
            written += bytes.Length;
        }
        writer.WriteExited(1);
    }

    [Benchmark(Description = "forward read, all events")]
    public long ReadAllEvents()
    {
        using var reader = ProcessEventsReader.Open(_path);
        long bytes = 0;
        foreach (var processEvent in reader.ReadAll())
        {
            if (processEvent is OutputEvent output)
            {
                bytes += output.Data.Length;
            }
        }
        return bytes;
    }

    [Benchmark(Description = "full log, last 20 lines kept")]
    public int FullReadLast20()
    {
        using var stream = File.OpenRead(_path);
        return ProcessLog.Read(stream, new ProcessLogOptions { Tail = 20 }).OutputLines.Count;
    }

    [Benchmark(Baseline = true, Description = "tail 20 from the end")]
    public int Tail20() => ProcessLog.Read(_path, new ProcessLogOptions { Tail = 20 }).OutputLines.Count;

    [Benchmark(Description = "description only")]
    public string? DescriptionOnly() => ProcessEventsReader.ReadDescription(_path).RecipeHash;
}
