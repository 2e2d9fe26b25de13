using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BriocheJob.History;
using BriocheJob.Store;
using Microsoft.Data.Sqlite;
using static Benchmarks.SeedSql;

namespace Benchmarks;

/// <summary>
/// Builds of Docker-step jobs written straight into a store (what a recorder writes: step meta with stage, step,
/// instruction and input digests, and the step key). Step n of a build takes step n-1 as its input (and every fifth
/// step n-2 too). Step 10's instruction changes in every build, so, as BuildKit digests them, steps 1-9 keep their
/// vertex digest from build to build of an image and every step from 10 on gets a new one.
/// </summary>
internal static class HistoryStoreData
{
    public static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The first step whose digest changes from build to build.</summary>
    public const int ChangedStep = 10;

    public static string Digest(int build, int step, int projects) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            step < ChangedStep ? $"img-{build % projects}/{step}" : $"{build}/{step}")));

    /// <summary>
    /// Appends <paramref name="builds"/> builds of <paramref name="jobsPerBuild"/> jobs, <paramref name="projects"/>
    /// image names in turn, in one transaction with prepared statements. The jobs table's indexes are dropped for the
    /// load and built again after it (sorting once is far cheaper than a million random index inserts).
    /// </summary>
    public static void Fill(string databasePath, int builds, int jobsPerBuild, int projects)
    {
        SqliteJobStore.Open(databasePath).Dispose();
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA cache_size = -400000;");
        var indexes = new List<(string Name, string Sql)>();
        using (SqliteCommand list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND sql IS NOT NULL;";
            using SqliteDataReader reader = list.ExecuteReader();
            while (reader.Read())
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        using SqliteTransaction transaction = connection.BeginTransaction();
        foreach ((string name, _) in indexes)
        {
            Execute(connection, $"DROP INDEX {name};", transaction);
        }

        using SqliteCommand build = Prepare(connection, transaction,
            "INSERT INTO builds (id, origin, owner_pid, started_at, stopped_at, state, result) VALUES ($id, 'msbuild', 1, $started, $stopped, 'finished', 'succeeded');",
            "$id", "$started", "$stopped");
        using SqliteCommand project = Prepare(connection, transaction,
            "INSERT INTO build_projects (id, build_id, kind, name) VALUES ($id, $build, 'docker', $name);",
            "$id", "$build", "$name");
        using SqliteCommand job = Prepare(connection, transaction,
            "INSERT INTO jobs (id, build_projects_id, kind, name, started_at, stopped_at, state, result, cached, recipe_hash, recipe_meta, owner_pid, step_key) " +
            "VALUES ($id, $project, 'docker', $name, $started, $stopped, 'finished', 'succeeded', $cached, $recipe, $meta, 1, $key);",
            "$id", "$project", "$name", "$started", "$stopped", "$cached", "$recipe", "$meta", "$key");
        var digests = new string[jobsPerBuild + 1];
        for (int b = 0; b < builds; b++)
        {
            DateTimeOffset started = Start.AddMinutes(b * 10);
            string buildId = Ulid.NewUlid(started);
            Run(build, buildId, started.ToUnixTimeMilliseconds(), started.AddMinutes(5).ToUnixTimeMilliseconds());
            string image = $"img-{b % projects}";
            Run(project, (long)b + 1, buildId, image);
            for (int n = 1; n <= jobsPerBuild; n++)
            {
                digests[n] = Digest(b, n, projects);
            }

            for (int n = 1; n <= jobsPerBuild; n++)
            {
                // Mostly a chain, with some fan-in: the critical path has to be found, not just read off.
                DateTimeOffset jobStart = started.AddMilliseconds(n * 40L + (n % 7) * 13);
                string instruction = n == ChangedStep ? $"RUN make step-{ChangedStep} --build {b}" : $"RUN make step-{n}";
                string inputs = n == 1 ? "[]" : n % 5 == 0 && n > 2
                    ? $"[\"{digests[n - 1]}\",\"{digests[n - 2]}\"]"
                    : $"[\"{digests[n - 1]}\"]";
                string meta = $"{{\"type\":\"docker_step\",\"digest\":\"{digests[n]}\",\"vertex\":\"[{n}/{jobsPerBuild}] {instruction}\",\"image\":\"{image}\",\"dockerfile\":\"/src/{image}/Dockerfile\",\"line\":{n},\"stage\":\"stage-0\",\"stageIndex\":0,\"instruction\":\"{instruction}\",\"keyword\":\"RUN\",\"step\":\"{n}/{jobsPerBuild}\",\"argsInScope\":[],\"inputs\":{inputs}}}";
                Run(job, Ulid.NewUlid(jobStart), (long)b + 1, $"[{n}/{jobsPerBuild}] {instruction}", jobStart.ToUnixTimeMilliseconds(),
                    jobStart.AddMilliseconds(35 + (n % 11)).ToUnixTimeMilliseconds(), n % 3 == 0 ? 1 : 0, digests[n], meta,
                    $"{image}:stage-0:{n}");
            }
        }

        foreach ((_, string sql) in indexes)
        {
            Execute(connection, sql, transaction);
        }

        transaction.Commit();
    }

    /// <summary>
    /// <c>make-history-store</c>: the million-job store of <see cref="WhyBenchmarks"/> (made once, cached);
    /// <c>make-history-store show|diff FILE</c>: the stores of the show and diff benchmarks, for whole-process runs.
    /// </summary>
    public static int Make(string[] args)
    {
        switch (args)
        {
            case [_]:
                Console.WriteLine(WhyBenchmarks.EnsureStore());
                return 0;
            case [_, "show" or "diff", string file] when !File.Exists(file):
                var stopwatch = Stopwatch.StartNew();
                bool show = args[1] == "show";
                Fill(file, builds: show ? 1 : 2, jobsPerBuild: show ? 10_000 : 5_000, projects: 1);
                Console.WriteLine($"{file}: {(show ? "1 build of 10,000" : "2 builds of 5,000")} jobs in {stopwatch.Elapsed.TotalSeconds:F1} s");
                return 0;
            default:
                Console.Error.WriteLine("usage: make-history-store [show|diff NEW-FILE]");
                return 2;
        }
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary><c>builds diff</c> of two builds of 5,000 jobs each (load both, match, render). Target: under 200 ms.</summary>
[MemoryDiagnoser]
public class BuildsDiffBenchmarks
{
    private string _folder = "";
    private SqliteJobStore _store = null!;
    private string _baseId = "", _headId = "";

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("bj-diff-bench-").FullName;
        string db = Path.Combine(_folder, "jobs.db");
        HistoryStoreData.Fill(db, builds: 2, jobsPerBuild: 5_000, projects: 1);
        _store = SqliteJobStore.Open(db);
        var builds = _store.QueryBuilds(2);
        _headId = builds[0].Build.Id;
        _baseId = builds[1].Build.Id;
        BuildDiff check = Diff();
        int changed = 5_000 - HistoryStoreData.ChangedStep + 1;
        if (check.Pairs.Count != 5_000 || check.Count(StepChange.Changed) != changed || check.Count(StepChange.Same) != 5_000 - changed)
        {
            throw new InvalidOperationException($"unexpected diff: {check.Pairs.Count} pairs, {check.Count(StepChange.Changed)} changed");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private BuildDiff Diff() => BuildDiff.Compare(_store.GetBuild(_baseId)!, _store.GetBuild(_headId)!);

    [Benchmark]
    public int DiffText() => DiffReport.Text(Diff(), all: false, TimeZoneInfo.Utc).Length;
}

/// <summary><c>builds show</c> and <c>builds timeline</c> of a 10,000-job build (load, analyse, render). Target: under 300 ms.</summary>
[MemoryDiagnoser]
public class BuildsShowBenchmarks
{
    private string _folder = "";
    private SqliteJobStore _store = null!;
    private string _buildId = "";

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("bj-show-bench-").FullName;
        string db = Path.Combine(_folder, "jobs.db");
        HistoryStoreData.Fill(db, builds: 1, jobsPerBuild: 10_000, projects: 1);
        _store = SqliteJobStore.Open(db);
        _buildId = _store.QueryBuilds(1)[0].Build.Id;
        BuildAnalysis check = BuildAnalysis.Of(_store.GetBuild(_buildId)!);
        if (check.Jobs.Count != 10_000 || check.CriticalPath.Count < 2000 || check.Method != CriticalPathMethod.StepGraph)
        {
            throw new InvalidOperationException($"unexpected analysis: {check.CriticalPath.Count} on the path, {check.Method}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark]
    public int Show()
    {
        BuildAnalysis analysis = BuildAnalysis.Of(_store.GetBuild(_buildId)!);
        return BuildReport.Summary(analysis, _store).Length + BuildReport.JobRows(analysis, _store).Length;
    }

    [Benchmark]
    public int Timeline() => TimelineText.Render(BuildAnalysis.Of(_store.GetBuild(_buildId)!), _store, 120, colour: true).Length;
}

/// <summary>
/// <c>why</c> of step 31 of the last build, whose input chain reaches the changed step 10 twenty-one steps up (and
/// steps 1-9, unchanged, beyond it), in a store of 1,000,000 jobs (5,000 builds of 200 steps, 50 images). The store
/// is generated once into the temp folder and reused: <c>dotnet run -c Release --project tests/Benchmarks --
/// make-history-store</c> makes it outside any benchmark (BenchmarkDotNet's in-process setup limit is 5 minutes).
/// Target: under 50 ms.
/// </summary>
[MemoryDiagnoser]
public class WhyBenchmarks
{
    public const int Builds = 5_000, JobsPerBuild = 200, Projects = 50, TargetStep = 31;
    private SqliteJobStore _store = null!;
    private JobView _target = null!;

    /// <summary>The cached million-job store (v2: step 1-9 digests shared by an image's builds).</summary>
    public static string StorePath => Path.Combine(Path.GetTempPath(), "bj-why-bench-1m-v2.db");

    /// <summary>Makes <see cref="StorePath"/> when it is missing; returns it.</summary>
    public static string EnsureStore()
    {
        string db = StorePath;
        if (!File.Exists(db))
        {
            var stopwatch = Stopwatch.StartNew();
            File.Delete(db + ".tmp");
            HistoryStoreData.Fill(db + ".tmp", Builds, JobsPerBuild, Projects);
            File.Move(db + ".tmp", db);
            Console.WriteLine($"// generated {Builds * JobsPerBuild:N0} jobs in {stopwatch.Elapsed.TotalSeconds:F1} s: {db} " +
                              $"({new FileInfo(db).Length / 1_048_576.0:F0} MiB)");
        }

        return db;
    }

    [GlobalSetup]
    public void Setup()
    {
        _store = SqliteJobStore.Open(EnsureStore());
        string lastBuild = _store.QueryBuilds(1)[0].Build.Id;
        string digest = HistoryStoreData.Digest(Builds - 1, TargetStep, Projects);
        _target = _store.QueryJobs(new JobQuery(BuildId: lastBuild, Limit: JobsPerBuild)).Single(v => v.Job.RecipeHash == digest);
        WhyAnswer check = WhyExplainer.Explain(_store, _target);
        if (check.Reason != WhyReason.InputChanged
            || check.Ancestor?.Job.RecipeHash != HistoryStoreData.Digest(Builds - 1, HistoryStoreData.ChangedStep, Projects))
        {
            throw new InvalidOperationException($"unexpected answer: {check.Reason} {check.Detail}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    [Benchmark]
    public WhyReason Why() => WhyExplainer.Explain(_store, _target).Reason;
}
