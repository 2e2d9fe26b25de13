using System.Diagnostics;
using System.Text;
using BenchmarkDotNet.Attributes;
using BriocheJob.Brioche;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace Benchmarks;

/// <summary>
/// The recorder path the <c>BriocheBuild</c> task uses for one job (<see cref="BriocheJobTracker"/>): it follows the
/// job's <c>events.bin.zst</c> in Brioche's process-temp folder, decodes every event and copies every byte into the
/// data home. The job printed 1 GiB of build-like text (our writer, Brioche's 1 MiB frames). Targets: at least
/// 200 MB/s of output (1 GiB / Mean) and the process's memory growing by under 100 MB while it records; the growth
/// (peak working set during the run minus before it, sampled every 5 ms) is printed after each iteration.
/// The 1 GiB file is made once and kept in <c>$TMPDIR/brioche-job-recording-bench</c>.
/// </summary>
[MemoryDiagnoser]
public class RecordingThroughputBenchmarks
{
    private const long OutputBytes = 1L << 30;
    private const uint GonePid = 4_000_000;

    private string _work = "";
    private string _source = "";
    private DataHome? _home;
    private int _iteration;
    private long _before;
    private long _peak;
    private volatile bool _sampling;
    private Thread? _sampler;

    [GlobalSetup]
    public void Setup()
    {
        _work = Path.Combine(Path.GetTempPath(), "brioche-job-recording-bench");
        Directory.CreateDirectory(_work);
        _source = Path.Combine(_work, "1gib.bin.zst");
        if (!File.Exists(_source))
        {
            WriteJob(_source + ".tmp");
            File.Move(_source + ".tmp", _source, overwrite: true);
        }
        Console.WriteLine($"// recording benchmark input: {new FileInfo(_source).Length:N0} bytes compressed, {OutputBytes:N0} bytes of output");
    }

    private static void WriteJob(string path)
    {
        var description = new ProcessDescription
        {
            Recipe = System.Text.Json.JsonSerializer.SerializeToElement(new { type = "complete_process", platform = "x86_64-linux" }),
            RootDir = "/bench/root",
            OutputDir = "/bench/outputs/output-" + new string('r', 64),
        };
        description.SetCreatedAt(DateTimeOffset.UtcNow);
        var random = new Random(7);
        using var writer = ProcessEventsWriter.Create(path, description);
        writer.WriteSpawned(GonePid);
        var chunk = new StringBuilder();
        long written = 0;
        var line = 0;
        while (written < OutputBytes)
        {
            chunk.Clear();
            while (chunk.Length < 64 * 1024)
            {
                chunk.Append("cc -c src/module_").Append(line++ % 977).Append(".c -O2 ").Append(random.NextInt64().ToString("x")).Append('\n');
            }
            var bytes = Encoding.ASCII.GetBytes(chunk.ToString());
            var take = (int)Math.Min(bytes.Length, OutputBytes - written);
            writer.WriteOutput(OutputStream.Stdout, bytes.AsSpan(0, take), (uint)(written >> 20));
            written += take;
        }
        writer.WriteExited(0);
    }

    [IterationSetup]
    public void StartIteration()
    {
        var root = Path.Combine(_work, "home-" + Environment.ProcessId);
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
        _home = new DataHome(root);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        _before = Process.GetCurrentProcess().WorkingSet64;
        _peak = _before;
        _sampling = true;
        _sampler = new Thread(() =>
        {
            using var self = Process.GetCurrentProcess();
            while (_sampling)
            {
                self.Refresh();
                _peak = Math.Max(_peak, self.WorkingSet64);
                Thread.Sleep(5);
            }
        })
        { IsBackground = true };
        _sampler.Start();
    }

    [IterationCleanup]
    public void EndIteration()
    {
        _sampling = false;
        _sampler?.Join();
        Console.WriteLine($"// working set growth while recording: {(_peak - _before) / (1024.0 * 1024):F1} MB");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var root = Path.Combine(_work, "home-" + Environment.ProcessId);
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>One job of 1 GiB output recorded as the task records it: followed, decoded and copied.</summary>
    [Benchmark]
    public long RecordBriocheJob()
    {
        var jobId = $"01JD{Environment.ProcessId % 100000:D5}{++_iteration:D17}";
        var folder = Path.Combine(_work, "process-temp-" + Environment.ProcessId, jobId);
        Directory.CreateDirectory(folder);
        // Brioche's folder holds the events file; a symbolic link stands in for it without copying a gigabyte.
        var events = Path.Combine(folder, "events.bin.zst");
        File.Delete(events);
        File.CreateSymbolicLink(events, _source);
        var launch = new BriocheLaunch();
        launch.Begin();
        launch.Started(Environment.ProcessId);
        ExitEvent? exit = null;
        var tracker = new BriocheJobTracker(jobId, folder, _home, TimeSpan.FromMilliseconds(5), launch)
        {
            Exited = t => exit = t.Exit,
        };
        var running = tracker.Start();
        tracker.Stop();
        running.GetAwaiter().GetResult();
        if (exit is null || tracker.Problem is not null || tracker.CopyPath is null)
        {
            throw new InvalidOperationException($"the job was not recorded: {tracker.Problem}");
        }
        var copied = new FileInfo(tracker.CopyPath).Length;
        if (copied != new FileInfo(_source).Length)
        {
            throw new InvalidOperationException($"the copy holds {copied} bytes");
        }
        Directory.Delete(folder, recursive: true);
        File.Delete(tracker.CopyPath);
        return copied;
    }
}
