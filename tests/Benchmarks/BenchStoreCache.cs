using System.Globalization;

namespace Benchmarks;

/// <summary>
/// The million-job stores the lookup benchmarks read, made once and kept on disk (outside the timed region, and outside
/// BenchmarkDotNet's in-process time limit): <c>dotnet run -c Release -- make-stores</c> makes them, and a benchmark's
/// setup makes a missing one. Each sits beside a <c>.probe</c> file naming the job from the middle it looks up.
/// Folder: <c>BRIOCHE_JOB_BENCH_CACHE</c>, default <c>/var/tmp/brioche-job-bench</c>.
/// </summary>
internal static class BenchStoreCache
{
    public static string Folder => Environment.GetEnvironmentVariable("BRIOCHE_JOB_BENCH_CACHE") is { Length: > 0 } folder
        ? folder
        : OperatingSystem.IsWindows() ? Path.Combine(Path.GetTempPath(), "brioche-job-bench") : "/var/tmp/brioche-job-bench";

    /// <summary>The cached store <paramref name="name"/>, made by <paramref name="make"/> (given a scratch path) when missing.</summary>
    public static (string Path, string Id, string Recipe, int Pid) Ensure(string name, Func<string, (string Id, string Recipe, int Pid)> make)
    {
        Directory.CreateDirectory(Folder);
        string path = Path.Combine(Folder, name);
        string probe = path + ".probe";
        if (File.Exists(path) && File.Exists(probe))
        {
            string[] fields = File.ReadAllText(probe).Trim().Split(' ');
            return (path, fields[0], fields[1], int.Parse(fields[2], CultureInfo.InvariantCulture));
        }

        string scratch = path + ".part";
        File.Delete(scratch);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        (string id, string recipe, int pid) = make(scratch);
        File.Move(scratch, path, overwrite: true);
        File.WriteAllText(probe, $"{id} {recipe} {pid.ToString(CultureInfo.InvariantCulture)}\n");
        Console.WriteLine($"// made {path} in {stopwatch.Elapsed.TotalSeconds:F1} s: {Size(path)}");
        return (path, id, recipe, pid);
    }

    public static string Size(string path) => $"{new FileInfo(path).Length / 1_048_576.0:F1} MiB";

    /// <summary><c>make-stores</c>: makes (or finds) both million-job stores and prints their sizes.</summary>
    public static int Make()
    {
        string sqlite = StoreBenchmarks.EnsureStore().Path;
        string lite = LiteDbLookupBenchmarks.EnsureStore().Path;
        Console.WriteLine($"SQLite {Size(sqlite)} ({sqlite}); LiteDB {Size(lite)} ({lite})");
        return 0;
    }
}
