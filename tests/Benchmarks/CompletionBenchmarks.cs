using System.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace Benchmarks;

/// <summary>
/// The hidden completion command as a shell runs it on Tab, as a whole process of the Native AOT tool (named by
/// <c>BRIOCHE_JOB_BENCH_TOOL</c>, else the one <c>bash eng/pack.sh</c> installed). Target: under 30 ms, with a store
/// holding the Brioche fixtures (job selectors) and with no store at all.
/// </summary>
public class CompletionBenchmarks
{
    private string _folder = "";
    private string _tool = "";

    [GlobalSetup]
    public void Setup()
    {
        _tool = Environment.GetEnvironmentVariable("BRIOCHE_JOB_BENCH_TOOL") is { Length: > 0 } explicitTool
            ? explicitTool
            : throw new InvalidOperationException("set BRIOCHE_JOB_BENCH_TOOL to the Native AOT dotnet-brioche-job");
        _folder = Path.Combine(Path.GetTempPath(), "bj-complete-bench-" + Guid.NewGuid().ToString("N"));
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "BriocheJob.slnx")))
        {
            root = Path.GetDirectoryName(root.TrimEnd('/'))!;
        }

        string data = Path.Combine(_folder, "brioche-data");
        foreach (string file in Directory.GetFiles(Path.Combine(root, "tests", "Fixtures", "brioche", "brioche-data"), "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(data, Path.GetRelativePath(Path.Combine(root, "tests", "Fixtures", "brioche", "brioche-data"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        Run("home", ["import", "brioche", "--data-dir", data]);
        if (!Run("home", ["__complete", "--", "logs", ""]).Contains("01JD0000000000000000000001", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("completion did not offer the recorded jobs");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    /// <summary><c>logs &lt;Tab&gt;</c>: job selectors from the store, failed first.</summary>
    [Benchmark(Baseline = true)]
    public string JobSelectors() => Run("home", ["__complete", "--", "logs", ""]);

    /// <summary><c>lo&lt;Tab&gt;</c>: commands only, the store is not opened.</summary>
    [Benchmark]
    public string Commands() => Run("home", ["__complete", "--", "lo"]);

    /// <summary><c>logs &lt;Tab&gt;</c> with no store: keywords only, nothing created.</summary>
    [Benchmark]
    public string JobSelectorsWithoutStore() => Run("absent", ["__complete", "--", "logs", ""]);

    private string Run(string home, string[] arguments)
    {
        var start = new ProcessStartInfo(_tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BRIOCHE_JOB_HOME"] = Path.Combine(_folder, home);
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{_tool} {string.Join(' ', arguments)}' exited {process.ExitCode}");
        }

        return output;
    }
}
