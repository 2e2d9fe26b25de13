using System.Diagnostics;
using System.Text;
using BriocheJob.Brioche;
using BriocheJob.BuildKit;
using BriocheJob.Docker;
using BriocheJob.Jobs;
using BriocheJob.Store;
using BriocheJob.Tests.Brioche;
using BriocheJob.Tests.BuildKit;
using BriocheJob.Tests.Cli;

namespace BriocheJob.Tests.Fuzz;

/// <summary>What a fuzz run did: how many inputs, and every input that neither succeeded nor failed with a coded error.</summary>
internal sealed class FuzzReport
{
    private readonly Lock _gate = new();

    public Dictionary<string, int> RunsByTarget { get; } = [];

    public List<string> Crashes { get; } = [];

    public List<string> Hangs { get; } = [];

    public int Runs => RunsByTarget.Values.Sum();

    public void Count(string target)
    {
        lock (_gate)
        {
            RunsByTarget[target] = RunsByTarget.GetValueOrDefault(target) + 1;
        }
    }

    public void Crash(string what)
    {
        lock (_gate)
        {
            Crashes.Add(what);
        }
    }

    public void Hang(string what)
    {
        lock (_gate)
        {
            Hangs.Add(what);
        }
    }

    public string Summary() =>
        $"runs {Runs}, crashes {Crashes.Count}, hangs {Hangs.Count} ({string.Join(", ", RunsByTarget.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))})";
}

/// <summary>
/// Mutates valid inputs (events files compressed and plain, the three BuildKit encodings, Dockerfiles,
/// <c>.dockerignore</c> files, selectors) with a seeded <see cref="Random"/> and feeds them to the engine: every
/// outcome must be success or a <see cref="BriocheJobException"/>. The same seed gives the same inputs, so a crash
/// found here or by <c>eng/fuzz.sh</c> is reproduced from its target name and seed.
/// </summary>
internal sealed class FuzzHarness : IDisposable
{
    /// <summary>An input that takes longer than this is a hang.</summary>
    public static readonly TimeSpan HangAfter = TimeSpan.FromSeconds(20);

    /// <summary>A CLI process that takes longer than this is a hang (a process start costs seconds on a loaded machine).</summary>
    public static readonly TimeSpan CliHangAfter = TimeSpan.FromSeconds(60);

    private readonly CliHarness _cli = new();
    private readonly SqliteJobStore _store;
    private readonly JobSelectorResolver _resolver;
    private readonly string _scratch;
    private readonly (string Name, byte[][] Seeds, Action<byte[]> Run)[] _targets;

    public FuzzHarness()
    {
        _ = new SeededStore(_cli);
        _store = _cli.OpenStore();
        _resolver = new JobSelectorResolver(_store);
        _scratch = _cli.Temp.File("scratch");
        Directory.CreateDirectory(_scratch);
        _targets =
        [
            ("events-compressed", [EventsFile(compress: true)], RunEvents),
            ("events-plain", [EventsFile(compress: false)], RunEvents),
            ("buildkit-engine-json", [TraceTestData.Read("failure.jsonl"), TraceTestData.Read("success.jsonl")], input => RunTrace(input, TraceEncoding.JsonLines)),
            ("buildkit-rawjson", [RawJson("failure.jsonl"), RawJson("cached.jsonl")], input => RunTrace(input, TraceEncoding.RawJson)),
            ("buildkit-history-blob", [Blob("failure.jsonl"), Blob("success.jsonl")], input => RunTrace(input, TraceEncoding.HistoryBlob)),
            ("dockerfile", [TraceTestData.Read("failure.Dockerfile"), TraceTestData.Read("success.Dockerfile"), Encoding.UTF8.GetBytes(RichDockerfile)], RunDockerfile),
            ("dockerignore", [Encoding.UTF8.GetBytes(RichDockerIgnore)], RunDockerIgnore),
            ("selector", Selectors.Select(s => Encoding.UTF8.GetBytes(s)).ToArray(), RunSelector),
        ];
    }

    public IReadOnlyList<string> TargetNames => [.. _targets.Select(t => t.Name)];

    /// <summary>Runs <paramref name="iterations"/> inputs per target, seeds <paramref name="firstSeed"/> and up.</summary>
    public void RunIterations(FuzzReport report, int iterations, int firstSeed = 0, TimeSpan? budget = null)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            foreach ((string name, byte[][] seeds, Action<byte[]> run) in _targets)
            {
                RunOne(report, name, seeds, run, firstSeed + i);
            }

            if (budget is { } limit && clock.Elapsed > limit)
            {
                return;
            }
        }
    }

    /// <summary>Runs targets round-robin until <paramref name="duration"/> is over.</summary>
    public void RunFor(FuzzReport report, TimeSpan duration, int firstSeed) =>
        RunIterations(report, int.MaxValue, firstSeed, duration);

    /// <summary>Exit codes the README documents (1 is "unexpected": a defect, so it counts as a crash here).</summary>
    private static readonly int[] DocumentedExitCodes = [0, 2, 3, 4, 5, 6, 7];

    /// <summary>
    /// The whole CLI as a process on mutated files and selectors, until <paramref name="duration"/> is over: every
    /// run must exit with a documented code, and a failing run must say one <c>error BJxxxx:</c> line first.
    /// </summary>
    public void RunCliFor(FuzzReport report, TimeSpan duration, int firstSeed)
    {
        string tool = Path.Combine(AppContext.BaseDirectory, "dotnet-brioche-job");
        var clock = Stopwatch.StartNew();
        for (int seed = firstSeed; clock.Elapsed < duration; seed++)
        {
            (string targetName, string[] args) = CliInput(seed);
            string name = "cli-" + targetName;
            report.Count(name);
            var start = new ProcessStartInfo(tool, ["--home", _cli.HomePath, .. args])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            using Process process = Process.Start(start)!;
            process.StandardInput.Close();
            Task<string> error = process.StandardError.ReadToEndAsync();
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(CliHangAfter))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                report.Hang($"{name} seed {seed}: {string.Join(' ', args.Select(a => a.Length > 40 ? a[..40] + "…" : a))}");
                continue;
            }

            process.WaitForExit();
            string firstError = error.Result.Split('\n', 2)[0];
            _ = output.Result;
            bool documented = DocumentedExitCodes.Contains(process.ExitCode);
            // 0 and 7 (trace of a build that failed) print no error line; every other exit starts with one.
            bool oneCodedLine = process.ExitCode is 0 or 7 || firstError.StartsWith("error BJ", StringComparison.Ordinal);
            if (!documented || !oneCodedLine || error.Result.Contains("Unhandled exception", StringComparison.Ordinal))
            {
                report.Crash($"{name} seed {seed}: exit {process.ExitCode}: {firstError}");
            }
        }
    }

    /// <summary>The command line of CLI run <paramref name="seed"/>, its input file written (to repeat a finding).</summary>
    public (string Target, string[] Args) CliInput(int seed)
    {
        var random = new Random(seed);
        (string Name, byte[][] Seeds, Action<byte[]> Run) target = _targets[random.Next(_targets.Length)];
        byte[] input = Mutator.Mutate(target.Seeds[random.Next(target.Seeds.Length)], random);
        string file = Path.Combine(_scratch, $"cli-{seed % 4}.input");
        File.WriteAllBytes(file, input);
        string text = Encoding.UTF8.GetString(input).Replace("\0", "", StringComparison.Ordinal);
        string[] args = target.Name switch
        {
            "selector" => random.Next(5) switch
            {
                0 => ["logs", text],
                1 => ["show", text, "--json"],
                2 => ["list", "--build", text],
                3 => ["builds", "show", text],
                _ => ["logs", "--tail", text],
            },
            "dockerfile" or "dockerignore" => ["import", "docker", TraceTestData.DataPath("failure.jsonl"), "--dockerfile", file, "--name", "fuzz"],
            var events when events.StartsWith("events", StringComparison.Ordinal) => random.Next(4) switch
            {
                0 => ["logs", file],
                1 => ["logs", "--tail", "3", "--reverse", file],
                2 => ["show", file, "--json"],
                _ => ["logs", "--json", "--stream", "stderr", file],
            },
            _ => random.Next(3) switch
            {
                0 => ["trace", file],
                1 => ["trace", "--json", file],
                _ => ["import", "docker", file],
            },
        };
        return (target.Name, args);
    }

    private static void RunOne(FuzzReport report, string name, byte[][] seeds, Action<byte[]> run, int seed)
    {
        var random = new Random(HashCode.Combine(name.Length, name[0], name[^1], seed));
        byte[] input = Mutator.Mutate(seeds[random.Next(seeds.Length)], random);
        report.Count(name);
        Exception? failure = null;
        var worker = new Thread(() =>
        {
            try
            {
                run(input);
            }
            catch (BriocheJobException)
            {
                // A coded, expected failure: what bad input must produce.
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, 16 * 1024 * 1024)
        { IsBackground = true };
        worker.Start();
        if (!worker.Join(HangAfter))
        {
            report.Hang($"{name} seed {seed}: no answer within {HangAfter.TotalSeconds:0}s");
        }
        else if (failure is not null)
        {
            report.Crash($"{name} seed {seed}: {failure.GetType().Name}: {failure.Message.Split('\n')[0]} at {failure.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}");
        }
    }

    private void RunEvents(byte[] input)
    {
        ProcessLog.Read(new MemoryStream(input), new ProcessLogOptions());
        ProcessLog.Read(new MemoryStream(input), new ProcessLogOptions { Tail = 3, Reverse = true, Stream = OutputStream.Stderr });
        string path = Path.Combine(_scratch, $"events-{Environment.CurrentManagedThreadId}.bin.zst");
        File.WriteAllBytes(path, input);
        try
        {
            ProcessLog.Read(path, new ProcessLogOptions { Tail = 2 });
        }
        finally
        {
            ProcessEventsReader.ReadDescription(path);
        }
    }

    private static void RunTrace(byte[] input, TraceEncoding encoding)
    {
        foreach (TraceEncoding chosen in (TraceEncoding[])[TraceEncoding.Auto, encoding])
        {
            BuildTrace trace = BuildKitTrace.DecodeAsync(new MemoryStream(input), chosen).GetAwaiter().GetResult();
            _ = BuildTraceJson.ToJson(trace);
            BuildTracePlainRenderer.Write(trace, TextWriter.Null);
            trace.EnsureIsTrace("fuzz");
        }
    }

    private static void RunDockerfile(byte[] input)
    {
        string text = Encoding.UTF8.GetString(input);
        Dockerfile parsed = DockerfileParser.Parse(text, new Dictionary<string, string> { ["VERSION"] = "1.0", ["LEVEL"] = "trace" });
        _ = parsed.ToString();
    }

    private static void RunDockerIgnore(byte[] input)
    {
        DockerIgnore ignore = DockerIgnore.Parse(Encoding.UTF8.GetString(input));
        foreach (string path in (string[])["a", "src/app/main.c", "node_modules/x/y.js", ".git/HEAD", "docs/README.md", "a b/c[1].txt"])
        {
            ignore.IsExcluded(path);
            ignore.MayReincludeUnder(Path.GetDirectoryName(path) ?? "");
        }
    }

    private void RunSelector(byte[] input)
    {
        string text = Encoding.UTF8.GetString(input);
        try
        {
            _resolver.Resolve(text);
        }
        finally
        {
            _resolver.ResolveBuild(text);
        }
    }

    private byte[] EventsFile(bool compress)
    {
        string path = Path.Combine(_cli.Temp.Path, $"seed-{compress}.bin.zst");
        using (var writer = ProcessEventsWriter.Create(path, Descriptions.Sample(), new ProcessEventsWriterOptions { Compress = compress, FrameSize = 64 }))
        {
            writer.WriteSpawned(4242);
            for (int i = 0; i < 20; i++)
            {
                writer.WriteOutput(i % 3 == 0 ? OutputStream.Stderr : OutputStream.Stdout, Encoding.UTF8.GetBytes($"line {i} \u001b[31mred\u001b[0m é\n"), (uint)(10 + i));
            }

            writer.WriteExited(2);
            writer.Complete();
        }

        return File.ReadAllBytes(path);
    }

    private static byte[] RawJson(string capture)
    {
        var trace = TraceTestData.Decode(TraceTestData.Read(capture));
        _ = trace;
        List<BuildKitStatus> statuses = [.. TraceTestData.TraceAuxPayloads(capture).Select(p => StatusResponseReader.Parse(p, 0, p.Length))];
        return Encoding.UTF8.GetBytes(string.Join("\n", statuses.Select(TraceTestData.RawJsonLine)) + "\n");
    }

    private static byte[] Blob(string capture) =>
        TraceTestData.HistoryBlob(TraceTestData.TraceAuxPayloads(capture).Select(p => StatusResponseReader.Parse(p, 0, p.Length)));

    private const string RichDockerfile = """
        # syntax=docker/dockerfile:1
        # escape=\
        ARG VERSION=0.1
        FROM busybox:local AS build
        ENV APP_HOME=/srv/app \
            LEVEL=${LEVEL:-info}
        WORKDIR $APP_HOME
        COPY --chown=0:0 src/ ./src/
        RUN echo "building $VERSION" && \
            make -C src all
        USER nobody
        FROM build AS final
        LABEL org.example.team="web" version=$VERSION
        RUN ["/bin/sh", "-c", "echo exec form"]
        HEALTHCHECK CMD true
        ONBUILD RUN echo later
        CMD ["/bin/sh"]
        """;

    private const string RichDockerIgnore = """
        # comment
        **/node_modules
        .git
        *.md
        !README.md
        src/**/*.o
        a b/c[1].txt
        /abs/path
        ../outside
        [a-z]?*
        """;

    private static readonly string[] Selectors =
    [
        "failed", "last", "-1", "-2", "-999999999999", "01JD0000", "01JD0000AAAA00000000000001", "abcdef12", "4242", "0123456789",
        "./events.bin.zst", "x.zst", "-", "01jd0000bbbb", "ci-42", "--", "a/b", "", new string('7', 40),
    ];

    public void Dispose()
    {
        _store.Dispose();
        _cli.Dispose();
    }
}

/// <summary>Byte-level mutations, as a fuzzer makes them: flips, overwrites, inserts, deletes, repeats and truncation.</summary>
internal static class Mutator
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)'\n', (byte)'{', (byte)'"', 0x1B, 0x0A, 0x08];

    public static byte[] Mutate(byte[] seed, Random random)
    {
        var data = new List<byte>(seed);
        int count = 1 + random.Next(random.Next(2) == 0 ? 3 : 12);
        for (int m = 0; m < count; m++)
        {
            int at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(8))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 2:
                    data.InsertRange(at, Enumerable.Range(0, 1 + random.Next(8)).Select(_ => (byte)random.Next(256)));
                    break;
                case 3 when data.Count > 0:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(16)));
                    break;
                case 4 when data.Count > 0:
                    int length = Math.Min(data.Count - at, 1 + random.Next(64));
                    data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                    break;
                case 5:
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 6 when data.Count >= 4:
                    // A length or count field set to an extreme.
                    int field = Math.Min(at, data.Count - 4);
                    byte[] extreme = BitConverter.GetBytes(random.Next(3) switch { 0 => int.MaxValue, 1 => -1, _ => random.Next() });
                    for (int k = 0; k < 4; k++)
                    {
                        data[field + k] = extreme[k];
                    }

                    break;
                default:
                    if (data.Count > 0)
                    {
                        data[at] = (byte)random.Next(256);
                    }

                    break;
            }
        }

        return [.. data];
    }
}
