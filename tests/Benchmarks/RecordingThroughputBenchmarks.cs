using System.Diagnostics;
using System.Text;
using BenchmarkDotNet.Attributes;
using BriocheJob.Brioche;
using BriocheJob.BuildKit;
using BriocheJob.Recording;
using BriocheJob.Store;
using Google.Protobuf;

namespace Benchmarks;

/// <summary>
/// The recorder path the <c>BriocheBuild</c> task uses for one job (<see cref="BriocheJobTracker"/>): it follows the
/// job's <c>events.bin.zst</c> in Brioche's process-temp folder, decodes every event and copies every byte into the
/// data home. The job printed 1 GiB of build-like text (our writer, Brioche's 1 MiB frames). Targets: at least
/// 200 MB/s of output (1 GiB / Mean) and the process's memory growing by under 100 MB while it records; the growth
/// (peak working set during the run minus before it, sampled every 5 ms) is printed after each iteration.
/// The 1 GiB file is made once and kept in <c>$TMPDIR/brioche-job-recording-bench</c>.
/// <see cref="RecordBuildKitStep"/> is the <c>DockerBuild</c> path for one BuildKit step printing 1 GiB: a synthetic
/// Engine progress stream (JSON lines, each a base64 StatusResponse with one 32 KiB log chunk) generated on the fly,
/// fed as the live build feeds it (<c>DockerTraceRecorder.FeedProgressAsync</c>) into a real recording session.
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

    /// <summary>One BuildKit step that prints 1 GiB, recorded as <c>DockerBuild</c> records it: decoded, written to its events file, saved.</summary>
    [Benchmark]
    public long RecordBuildKitStep()
    {
        using var session = RecordingSession.Begin(new RecordingOptions(BuildOrigin.MsBuild, _home!.Root, $"bench-{++_iteration}"));
        var project = session.AddProject(new ProjectRequest(JobKind.Docker, "bench", LocalProjectPath: "/bench/Dockerfile"));
        using var recorder = new DockerTraceRecorder(session, project, null, null, null, null, saveEachJob: true);
        var decoder = new BuildKitTraceDecoder(recorder, TraceLogRetention.Tail);
        using var progress = new SyntheticProgressStream(OutputBytes);
        DockerTraceRecorder.FeedProgressAsync(progress, decoder, recorder, CancellationToken.None).GetAwaiter().GetResult();
        var trace = decoder.Finish();
        recorder.Flush();
        recorder.Finish(DockerBuildEnd.Succeeded);
        session.Finish(RunState.Finished, RunResult.Succeeded);
        var step = trace.Vertices.Single();
        if (trace.Malformed.Total != 0 || step.StdoutLength != OutputBytes || !step.IsCompleted || recorder.RecordedJobCount != 1)
        {
            throw new InvalidOperationException($"the step was not recorded: {trace.Malformed}, {step.StdoutLength} bytes");
        }

        var job = session.Store.GetBuild(session.Build.Id)!.Jobs.Single().Job;
        var recorded = new FileInfo(job.LocalPath!).Length;
        File.Delete(job.LocalPath!);
        return recorded;
    }

    /// <summary>
    /// An Engine <c>/build</c> body: a started vertex, 32 KiB log chunks (16 different ones, in turn) until
    /// <c>total</c> bytes of output, the completed vertex and the image id. Made as it is read; nothing is held.
    /// </summary>
    private sealed class SyntheticProgressStream : Stream
    {
        private const string Digest = "sha256:5f1e6c1d0c3b2a19887766554433221100ffeeddccbbaa998877665544332211";
        private static readonly byte[][] LogLines = MakeLogLines();
        private readonly long _total;
        private long _logged;
        private int _stage;
        private int _next;
        private byte[] _current;
        private int _offset;

        public SyntheticProgressStream(long total)
        {
            _total = total;
            _current = VertexLine(completed: false);
        }

        private const int ChunkBytes = 32 * 1024;

        private static byte[][] MakeLogLines()
        {
            var random = new Random(11);
            var lines = new byte[16][];
            for (int i = 0; i < lines.Length; i++)
            {
                var text = new StringBuilder();
                while (text.Length < ChunkBytes)
                {
                    text.Append("[ ").Append(random.Next(100)).Append("%] Building CXX object src/module_")
                        .Append(random.Next(977)).Append(".cpp.o ").Append(random.NextInt64().ToString("x")).Append('\n');
                }

                var data = Encoding.ASCII.GetBytes(text.ToString())[..ChunkBytes];
                lines[i] = BuildKitRecords.EngineJsonLine(
                    BuildKitRecords.LogRecord(Digest, BuildKitRecords.Timestamp(1_700_000_001 + i), 1, data));
            }

            return lines;
        }

        private static byte[] VertexLine(bool completed) => BuildKitRecords.EngineJsonLine(BuildKitRecords.Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(BuildKitRecords.Message(v =>
            {
                v.WriteTag(1, WireFormat.WireType.LengthDelimited); v.WriteString(Digest);
                v.WriteTag(3, WireFormat.WireType.LengthDelimited); v.WriteString("[build 2/2] RUN ./build-everything.sh");
                v.WriteTag(5, WireFormat.WireType.LengthDelimited); v.WriteBytes(ByteString.CopyFrom(BuildKitRecords.Timestamp(1_700_000_000)));
                if (completed)
                {
                    v.WriteTag(6, WireFormat.WireType.LengthDelimited); v.WriteBytes(ByteString.CopyFrom(BuildKitRecords.Timestamp(1_700_000_600)));
                }
            })));
        }));

        public override int Read(Span<byte> buffer)
        {
            int read = 0;
            while (read < buffer.Length)
            {
                if (_offset == _current.Length && !Advance())
                {
                    break;
                }

                int take = Math.Min(buffer.Length - read, _current.Length - _offset);
                _current.AsSpan(_offset, take).CopyTo(buffer[read..]);
                _offset += take;
                read += take;
            }

            return read;
        }

        private bool Advance()
        {
            _offset = 0;
            if (_stage == 0 && _logged < _total)
            {
                _current = LogLines[_next++ % LogLines.Length];
                _logged += ChunkBytes;
                return true;
            }

            _stage++;
            _current = _stage switch
            {
                1 => VertexLine(completed: true),
                2 => "{\"aux\":{\"ID\":\"sha256:0000000000000000000000000000000000000000000000000000000000000001\"},\"id\":\"moby.image.id\"}\n"u8.ToArray(),
                _ => [],
            };
            return _current.Length > 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
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
