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
/// instruction and input digests, and the step key). Step n of a build takes step n-1 as its input; step 10's
/// instruction changes in every build, so everything after it is an input change.
/// </summary>
internal static class HistoryStoreData
{
    public static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static string Digest(int build, int step) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{build}/{step}")));

    /// <summary>Appends <paramref name="builds"/> builds of <paramref name="jobsPerBuild"/> jobs, <paramref name="projects"/> image names in turn.</summary>
    public static void Fill(string databasePath, int builds, int jobsPerBuild, int projects)
    {
        SqliteJobStore.Open(databasePath).Dispose();
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using (SqliteCommand pragmas = connection.CreateCommand())
        {
            pragmas.CommandText = "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA cache_size = -400000;";
            pragmas.ExecuteNonQuery();
        }

        using SqliteTransaction transaction = connection.BeginTransaction();
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
        for (int b = 0; b < builds; b++)
        {
            DateTimeOffset started = Start.AddMinutes(b * 10);
            string buildId = Ulid.NewUlid(started);
            Run(build, buildId, started.ToUnixTimeMilliseconds(), started.AddMinutes(5).ToUnixTimeMilliseconds());
            string image = $"img-{b % projects}";
            Run(project, (long)b + 1, buildId, image);
            for (int n = 1; n <= jobsPerBuild; n++)
            {
                // Mostly a chain, with some fan-in: the critical path has to be found, not just read off.
                DateTimeOffset jobStart = started.AddMilliseconds(n * 40L + (n % 7) * 13);
                string instruction = n == 10 ? $"RUN make step-10 --build {b}" : $"RUN make step-{n}";
                string inputs = n == 1 ? "[]" : n % 5 == 0 && n > 2
                    ? $"[\"{Digest(b, n - 1)}\",\"{Digest(b, n - 2)}\"]"
                    : $"[\"{Digest(b, n - 1)}\"]";
                string meta = $"{{\"type\":\"docker_step\",\"digest\":\"{Digest(b, n)}\",\"vertex\":\"[{n}/{jobsPerBuild}] {instruction}\",\"image\":\"{image}\",\"dockerfile\":\"/src/{image}/Dockerfile\",\"line\":{n},\"stage\":\"stage-0\",\"stageIndex\":0,\"instruction\":\"{instruction}\",\"keyword\":\"RUN\",\"step\":\"{n}/{jobsPerBuild}\",\"argsInScope\":[],\"inputs\":{inputs}}}";
                Run(job, Ulid.NewUlid(jobStart), (long)b + 1, $"[{n}/{jobsPerBuild}] {instruction}", jobStart.ToUnixTimeMilliseconds(),
                    jobStart.AddMilliseconds(35 + (n % 11)).ToUnixTimeMilliseconds(), n % 3 == 0 ? 1 : 0, Digest(b, n), meta,
                    $"{image}:stage-0:{n}");
            }
        }

        transaction.Commit();
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
        if (check.Pairs.Count != 5_000 || check.Count(StepChange.Changed) != 5_000)
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
/// <c>why</c> of a step 20 deep in its chain, whose input changed 20 steps up, in a store of 1,000,000 jobs
/// (5,000 builds of 200 steps, 50 images). The store is generated once into the temp folder and reused.
/// Target: under 50 ms.
/// </summary>
[MemoryDiagnoser]
public class WhyBenchmarks
{
    private const int Builds = 5_000, JobsPerBuild = 200;
    private SqliteJobStore _store = null!;
    private JobView _target = null!;

    [GlobalSetup]
    public void Setup()
    {
        string db = Path.Combine(Path.GetTempPath(), "bj-why-bench-1m-v1.db");
        if (!File.Exists(db))
        {
            var stopwatch = Stopwatch.StartNew();
            HistoryStoreData.Fill(db + ".tmp", Builds, JobsPerBuild, projects: 50);
            File.Move(db + ".tmp", db);
            Console.WriteLine($"// generated {Builds * JobsPerBuild:N0} jobs in {stopwatch.Elapsed.TotalSeconds:F1} s: {db}");
        }

        _store = SqliteJobStore.Open(db);
        string lastBuild = _store.QueryBuilds(1)[0].Build.Id;
        _target = _store.QueryJobs(new JobQuery(BuildId: lastBuild, Limit: JobsPerBuild)).Single(v => v.Job.RecipeHash == HistoryStoreData.Digest(Builds - 1, 30));
        WhyAnswer check = WhyExplainer.Explain(_store, _target);
        if (check.Reason != WhyReason.InputChanged || check.Ancestor?.Job.RecipeHash != HistoryStoreData.Digest(Builds - 1, 10))
        {
            throw new InvalidOperationException($"unexpected answer: {check.Reason} {check.Detail}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    [Benchmark]
    public WhyReason Why() => WhyExplainer.Explain(_store, _target).Reason;
}
