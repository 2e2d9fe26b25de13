using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using LiteDB;
using Microsoft.Data.Sqlite;

namespace Benchmarks;

/// <summary>
/// The design card's concern: many MSBuild nodes writing one store at once. Eight writer processes (StoreWriter),
/// started together, each insert 1,000 running jobs and then update each to finished, one transaction per
/// operation, into LiteDB 5 with <c>Connection=shared</c> or into our SQLite WAL store. The writers run JIT (as
/// MSBuild nodes do), Native AOT (as the CLI does), or four of each. After every run the store is opened and counted:
/// lost documents (inserted and acknowledged, but not there), documents left unfinished, and failed operations are
/// printed as <c>// fleet …</c> lines and appended to <c>artifacts/bench/fleet.txt</c>.
/// <c>BJ_FLEET_JOBS</c> changes the jobs per writer.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 2)]
public class StoreFleetBenchmarks
{
    public const int Writers = 8;

    private static readonly int JobsPerWriter =
        int.TryParse(Environment.GetEnvironmentVariable("BJ_FLEET_JOBS"), out int jobs) && jobs > 0 ? jobs : 1000;

    private string _jitWriter = "";
    private string _aotWriter = "";
    private string _folder = "";
    private string _path = "";
    private List<string> _results = [];

    [Params("sqlite", "litedb")]
    public string Store { get; set; } = "";

    [Params("jit", "aot", "mixed")]
    public string Runtime { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        string root = RepositoryRoot();
        _jitWriter = Path.Combine(root, "tests", "Benchmarks", "StoreWriter", "bin", "Release", "net10.0", "StoreWriter.dll");
        if (!File.Exists(_jitWriter))
        {
            Run("dotnet", ["build", Path.Combine(root, "tests", "Benchmarks", "StoreWriter"), "-c", "Release", "-nologo", "-v", "q"], root);
        }

        _aotWriter = Path.Combine(root, "artifacts", "store-writer-aot", "publish", "StoreWriter", "release_linux-x64", "StoreWriter");
        if (Runtime != "jit" && !File.Exists(_aotWriter))
        {
            Run("bash", [Path.Combine(root, "eng", "publish-store-writer.sh")], root);
        }
    }

    [IterationSetup]
    public void NewStore()
    {
        _folder = Path.Combine(Path.GetTempPath(), "bj-fleet-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        _path = Path.Combine(_folder, Store == "litedb" ? "jobs-lite.db" : "jobs.db");
    }

    [Benchmark]
    public int EightWritersInsertThenUpdate()
    {
        var processes = new List<Process>();
        for (int w = 0; w < Writers; w++)
        {
            bool aot = Runtime == "aot" || (Runtime == "mixed" && w % 2 == 1);
            var start = new ProcessStartInfo(aot ? _aotWriter : "dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            if (!aot)
            {
                start.ArgumentList.Add(_jitWriter);
            }

            foreach (string argument in new[] { Store, _path, w.ToString(CultureInfo.InvariantCulture), JobsPerWriter.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }

            processes.Add(Process.Start(start)!);
        }

        // Every writer has started up; now they go at once.
        foreach (Process process in processes)
        {
            if (process.StandardOutput.ReadLine() != "ready")
            {
                throw new InvalidOperationException("a writer did not start");
            }
        }

        foreach (Process process in processes)
        {
            process.StandardInput.WriteLine("go");
            process.StandardInput.Flush();
        }

        _results = [];
        foreach (Process process in processes)
        {
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            _results.Add(output.Split('\n').LastOrDefault(l => l.StartsWith("result ", StringComparison.Ordinal)) ?? "result ? 0 0 ? ? writer died");
            process.Dispose();
        }

        return _results.Count;
    }

    [IterationCleanup]
    public void Count()
    {
        int expected = Writers * JobsPerWriter;
        long inserted = 0, updated = 0, failed = 0, slowest = 0;
        string? firstError = null;
        foreach (string line in _results)
        {
            string[] parts = line.Split(' ', 7);
            inserted += long.TryParse(parts[2], out long i) ? i : 0;
            updated += long.TryParse(parts[3], out long u) ? u : 0;
            failed += long.TryParse(parts[4], out long f) ? f : 2 * JobsPerWriter;
            slowest = Math.Max(slowest, long.TryParse(parts[5], out long ms) ? ms : 0);
            if (parts.Length > 6 && parts[6] != "-")
            {
                firstError ??= parts[6];
            }
        }

        string found;
        try
        {
            (long documents, long finished) = Store == "litedb" ? CountLiteDb(_path) : CountSqlite(_path);
            found = $"{documents} of {expected} documents there ({Math.Max(0, inserted - documents)} acknowledged inserts lost, " +
                    $"{expected - documents} missing in all), {documents - finished} left unfinished";
        }
        catch (Exception e)
        {
            found = $"the store no longer opens ({e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}): all {expected} documents lost";
        }

        string summary = $"fleet {Store}/{Runtime}, {Writers} writers x {JobsPerWriter} jobs: {found}; " +
                         $"{failed} of {2 * expected} operations failed; writers acknowledged {inserted} inserts, {updated} updates; " +
                         $"slowest writer {slowest / 1000.0:F1} s from go to done" +
                         (firstError is null ? "" : $"; first error: {firstError}");
        Console.WriteLine("// " + summary);
        string log = Path.Combine(RepositoryRoot(), "artifacts", "bench", "fleet.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        File.AppendAllText(log, $"{DateTime.UtcNow:O} {summary}\n");
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }

    private static (long Documents, long Finished) CountLiteDb(string path)
    {
        using var db = new LiteDatabase($"Filename={path};Connection=direct;ReadOnly=true");
        ILiteCollection<BsonDocument> jobs = db.GetCollection("jobs");
        return (jobs.Count(), jobs.Count(Query.EQ("state", "finished")));
    }

    private static (long Documents, long Finished) CountSqlite(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), count(*) FILTER (WHERE state = 'finished') FROM jobs;";
        using SqliteDataReader reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BriocheJob.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("run the benchmarks from inside the repository");
    }

    private static void Run(string program, string[] arguments, string directory)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}");
        }
    }
}
