using BenchmarkDotNet.Attributes;
using BriocheJob.Store;
using LiteDB;

namespace Benchmarks;

/// <summary>
/// The lookups of <see cref="StoreBenchmarks"/> against LiteDB 5 holding the same one million jobs (same builds,
/// projects, recipe reuse, failure rate and pids, from the same seed), each field indexed as our SQLite indexes do.
/// Setup prints the file size (run both classes together to compare means and sizes). The file is made once, by
/// <c>make-stores</c> or the first setup, and kept (see <see cref="BenchStoreCache"/>).
/// </summary>
[MemoryDiagnoser]
public class LiteDbLookupBenchmarks
{
    private const int JobCount = 1_000_000;
    private const int JobsPerBuild = 200;
    private const int ProjectsPerBuild = 4;

    private LiteDatabase _db = null!;
    private ILiteCollection<BsonDocument> _jobs = null!;
    private ILiteCollection<BsonDocument> _projects = null!;
    private ILiteCollection<BsonDocument> _builds = null!;
    private string _idPrefix = "";
    private string _recipePrefix = "";
    private int _pid;

    [GlobalSetup]
    public void Setup()
    {
        (string path, string probeId, string probeRecipe, int probePid) = EnsureStore();
        Console.WriteLine($"// LiteDB store: {BenchStoreCache.Size(path)}");
        var probe = (id: probeId, recipe: probeRecipe, pid: probePid);

        // Shared mode is what many writers would need; direct is LiteDB's fastest, so lookups are measured in it.
        _db = new LiteDatabase($"Filename={path};Connection=direct;ReadOnly=true");
        _jobs = _db.GetCollection("jobs");
        _projects = _db.GetCollection("projects");
        _builds = _db.GetCollection("builds");
        _idPrefix = probe.id[..16];
        _recipePrefix = probe.recipe[..12];
        _pid = probe.pid;

        Check(IdPrefix()?["_id"].AsString == probe.id, "id prefix");
        Check(RecipePrefix()?["recipe_hash"].AsString == probe.recipe, "recipe prefix");
        Check(Pid()?["pid"].AsInt32 == probe.pid, "pid");
        Check(ListFirst20() == 20, "list");
    }

    [GlobalCleanup]
    public void Cleanup() => _db.Dispose();

    /// <summary>The million-document LiteDB file, made once with bulk inserts (see <see cref="BenchStoreCache"/>).</summary>
    public static (string Path, string Id, string Recipe, int Pid) EnsureStore() =>
        BenchStoreCache.Ensure("jobs-1m-lite.db", file =>
        {
            using var bulk = new LiteDatabase($"Filename={file};Connection=direct");
            (string, string, int) probe = BulkInsert(bulk);
            bulk.Checkpoint();
            return probe;
        });

    /// <summary>As the resolver asks: up to two matches, to tell "one" from "ambiguous".</summary>
    [Benchmark]
    public BsonDocument? IdPrefix()
    {
        List<BsonDocument> matches = _jobs.Query().Where(Query.StartsWith("_id", _idPrefix)).Limit(2).ToList();
        return matches.Count == 1 ? matches[0] : null;
    }

    [Benchmark]
    public BsonDocument? MostRecentFailed() =>
        _jobs.Query().Where(Query.EQ("result", "failed")).OrderByDescending("started_at").Limit(1).FirstOrDefault();

    [Benchmark]
    public BsonDocument? FiftiethMostRecentFailed() =>
        _jobs.Query().Where(Query.EQ("result", "failed")).OrderByDescending("started_at").Skip(49).Limit(1).FirstOrDefault();

    [Benchmark]
    public BsonDocument? RecipePrefix() =>
        _jobs.Query().Where(Query.StartsWith("recipe_hash", _recipePrefix)).OrderByDescending("started_at").Limit(1).FirstOrDefault();

    [Benchmark]
    public BsonDocument? Pid() =>
        _jobs.Query().Where(Query.EQ("pid", _pid)).OrderByDescending("started_at").Limit(1).FirstOrDefault();

    /// <summary>A page of <c>list</c>: the jobs, and each one's project and build as the table shows them.</summary>
    [Benchmark]
    public int ListFirst20() => WithProjectsAndBuilds(_jobs.Query().OrderByDescending("started_at").Limit(20).ToList());

    [Benchmark]
    public int ListFailedFirst20() =>
        WithProjectsAndBuilds(_jobs.Query().Where(Query.EQ("result", "failed")).OrderByDescending("started_at").Limit(20).ToList());

    private int WithProjectsAndBuilds(List<BsonDocument> jobs)
    {
        int found = 0;
        foreach (BsonDocument job in jobs)
        {
            BsonDocument? project = _projects.FindById(job["project_id"]);
            if (project is not null && _builds.FindById(project["build_id"]) is not null)
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>The rows <c>StoreBenchmarks</c> writes, as documents, with its seed and shape.</summary>
    private static (string Id, string Recipe, int Pid) BulkInsert(LiteDatabase db)
    {
        var random = new Random(20250301);
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        ILiteCollection<BsonDocument> builds = db.GetCollection("builds");
        ILiteCollection<BsonDocument> projects = db.GetCollection("projects");
        ILiteCollection<BsonDocument> jobs = db.GetCollection("jobs");
        var buildBatch = new List<BsonDocument>();
        var projectBatch = new List<BsonDocument>();
        var jobBatch = new List<BsonDocument>(10_000);
        (string, string, int) probe = default;
        long projectId = 0;
        var hashBytes = new byte[32];
        for (int i = 0; i < JobCount; i++)
        {
            DateTimeOffset started = start.AddMilliseconds(i * 750L);
            if (i % JobsPerBuild == 0)
            {
                string buildId = Ulid.NewUlid(started);
                buildBatch.Add(new BsonDocument
                {
                    ["_id"] = buildId,
                    ["origin"] = "msbuild",
                    ["owner_pid"] = 1,
                    ["started_at"] = started.ToUnixTimeMilliseconds(),
                    ["stopped_at"] = started.AddMinutes(3).ToUnixTimeMilliseconds(),
                    ["state"] = "finished",
                    ["result"] = i % (JobsPerBuild * 5) == 0 ? "failed" : "succeeded",
                });
                for (int p = 0; p < ProjectsPerBuild; p++)
                {
                    projectBatch.Add(new BsonDocument
                    {
                        ["_id"] = ++projectId,
                        ["build_id"] = buildId,
                        ["kind"] = p % 2 == 0 ? "docker" : "brioche",
                        ["name"] = $"project-{p}",
                        ["local_project_path"] = $"/src/p{p}/p.csproj",
                    });
                }
            }

            int recipeNumber = random.Next(JobCount / 4);
            new Random(recipeNumber).NextBytes(hashBytes);
            string recipe = Convert.ToHexStringLower(hashBytes);
            int jobPid = random.Next(300, 4_000_000);
            bool failed = random.Next(10) == 0;
            string id = Ulid.NewUlid(started);
            jobBatch.Add(new BsonDocument
            {
                ["_id"] = id,
                ["project_id"] = projectId - random.Next(ProjectsPerBuild),
                ["kind"] = i % 2 == 0 ? "docker" : "brioche",
                ["name"] = $"step {i}",
                ["started_at"] = started.ToUnixTimeMilliseconds(),
                ["stopped_at"] = started.AddMilliseconds(500).ToUnixTimeMilliseconds(),
                ["state"] = "finished",
                ["result"] = failed ? "failed" : "succeeded",
                ["exit_code"] = failed ? 1 : 0,
                ["recipe_hash"] = recipe,
                ["pid"] = jobPid,
                ["owner_pid"] = 1,
            });
            if (i == JobCount / 2)
            {
                probe = (id, recipe, jobPid);
            }

            if (jobBatch.Count == jobBatch.Capacity)
            {
                jobs.InsertBulk(jobBatch, jobBatch.Count);
                jobBatch.Clear();
            }
        }

        jobs.InsertBulk(jobBatch);
        projects.InsertBulk(projectBatch);
        builds.InsertBulk(buildBatch);
        // The fields SQLite indexes: started_at (list), result (failed first), recipe_hash and pid (selectors).
        jobs.EnsureIndex("started_at");
        jobs.EnsureIndex("result");
        jobs.EnsureIndex("recipe_hash");
        jobs.EnsureIndex("pid");
        projects.EnsureIndex("build_id");
        return probe;
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"LiteDB lookup by {what} did not find the probe job");
        }
    }
}
