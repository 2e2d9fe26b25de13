using System.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace Benchmarks;

/// <summary>
/// Whole processes, side by side: the smallest .NET console app (tests/HelloWorld) against the installed tool.
/// Targets (issue 7): <c>show</c>, <c>list</c> and <c>logs --tail 20</c> at most 0.5× hello world (the first target
/// was <c>show</c> at most 1.5×). The tool is the one <c>bash eng/pack.sh</c> installed
/// into the NuGet cache: the Native AOT executable of package <c>dotnet-brioche-job.linux-x64</c>, else the portable
/// dll of <c>dotnet-brioche-job.any</c>; or the executable or dll named by <c>BRIOCHE_JOB_BENCH_TOOL</c>.
/// <c>ShowThroughManifest</c> runs <c>dotnet brioche-job show</c> as users type it: the SDK's own start-up
/// (resolving the local tool manifest) comes on top, ~125 ms here, whatever the tool.
/// </summary>
public class StartupBenchmarks
{
    private string _folder = "";
    private string _helloWorld = "";
    private string[] _tool = [];
    private string _root = "";
    private string _eventsPath = "";

    [GlobalSetup]
    public void Setup()
    {
        _root = RepositoryRoot();
        _folder = Path.Combine(Path.GetTempPath(), "bj-startup-bench-" + Guid.NewGuid().ToString("N"));
        _helloWorld = Path.Combine(_root, "tests", "HelloWorld", "bin", "Release", "net10.0", "HelloWorld.dll");
        if (!File.Exists(_helloWorld))
        {
            Run("dotnet", ["build", Path.Combine(_root, "tests", "HelloWorld"), "-c", "Release", "-nologo", "-v", "q"]);
        }

        string path = Environment.GetEnvironmentVariable("BRIOCHE_JOB_BENCH_TOOL") is { Length: > 0 } explicitTool
            ? explicitTool
            : InstalledTool() ?? throw new InvalidOperationException("the tool is not installed; run 'bash eng/pack.sh' first");
        // A dll runs through the dotnet host; the AOT executable runs by itself.
        _tool = path.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", path] : [path];
        Console.WriteLine($"// tool: {path}");

        // A store holding Brioche's failed jobs, imported from tests/Fixtures (one has a 100,000-line log).
        string data = Path.Combine(_folder, "brioche-data");
        CopyDirectory(Path.Combine(_root, "tests", "Fixtures", "brioche", "brioche-data"), data);
        Tool(["import", "brioche", "--data-dir", data]);
        _eventsPath = Directory.GetFiles(Path.Combine(data, "process-temp"), "events.bin.zst", SearchOption.AllDirectories)[0];

        // Fail fast if a command does not do what the benchmark means to measure.
        Check(Run("dotnet", [_helloWorld]).Contains("Hello, World!", StringComparison.Ordinal), "hello world");
        Check(Tool(["show"]).Contains("last 10 log lines:", StringComparison.Ordinal), "show of a failed job");
        Check(Tool(["list"]).Contains("failed", StringComparison.Ordinal), "list");
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(Baseline = true)]
    public string HelloWorld() => Run("dotnet", [_helloWorld]);

    /// <summary>
    /// <c>/bin/true</c>, a process that does nothing: what starting, reading and reaping any process through
    /// <see cref="Process"/> costs this host. Both sides of every ratio carry it, so it pulls ratios below 1 towards 1.
    /// </summary>
    [Benchmark]
    public string ProcessStartFloor() => Run("/bin/true", []);

    [Benchmark]
    public string Show() => Tool(["show"]);

    [Benchmark]
    public string ShowThroughManifest() => Run("dotnet", ["brioche-job", "show"]);

    [Benchmark]
    public string Version() => Tool(["--version"]);

    [Benchmark]
    public string List() => Tool(["list"]);

    [Benchmark]
    public string LogsTail20() => Tool(["logs", "--tail", "20"]);

    /// <summary><c>logs</c> of an events file named by path: the store is never opened.</summary>
    [Benchmark]
    public string LogsTail20OfFile() => Tool(["logs", _eventsPath, "--tail", "20"]);

    private string Tool(string[] arguments) => Run(_tool[0], [.. _tool[1..], .. arguments]);

    private string Run(string fileName, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = _root, // where dotnet-tools.json names the tool
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BRIOCHE_JOB_HOME"] = Path.Combine(_folder, "home");
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{fileName} {string.Join(' ', arguments)}' exited {process.ExitCode}: {error.Result}");
        }

        return output;
    }

    private static string? InstalledTool()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Newest(Path.Combine(packages, "dotnet-brioche-job.linux-x64"), "dotnet-brioche-job")
            ?? Newest(Path.Combine(packages, "dotnet-brioche-job.any"), "dotnet-brioche-job.dll");

        static string? Newest(string package, string file) => Directory.Exists(package)
            ? Directory.GetFiles(package, file, SearchOption.AllDirectories).OrderDescending().FirstOrDefault()
            : null;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BriocheJob.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no BriocheJob.slnx above {AppContext.BaseDirectory}");
    }

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"startup benchmark setup: {what} did not work");
        }
    }
}
