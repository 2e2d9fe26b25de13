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
        ILiteCollection<BsonDocument> builds = db.GetCollection("builds");
        ILiteCollection<BsonDocument> projects = db.GetCollection("projects");
        ILiteCollection<BsonDocument> jobs = db.GetCollection("jobs");
        var buildBatch = new List<BsonDocument>();
        var projectBatch = new List<BsonDocument>();
        var jobBatch = new List<BsonDocument>(10_000);
        (string, string, int) probe = default;
        foreach (SeedRow row in MillionJobs.Rows())
        {
            if (row.Build is { } build)
            {
                buildBatch.Add(new BsonDocument
                {
                    ["_id"] = build.Id,
                    ["origin"] = "msbuild",
                    ["owner_pid"] = 1,
                    ["started_at"] = build.StartedAt,
                    ["stopped_at"] = build.StoppedAt,
                    ["state"] = "finished",
                    ["result"] = build.Failed ? "failed" : "succeeded",
                });
                foreach (SeedProject project in row.Projects)
                {
                    projectBatch.Add(new BsonDocument
                    {
                        ["_id"] = project.Id,
                        ["build_id"] = project.BuildId,
                        ["kind"] = project.Kind,
                        ["name"] = project.Name,
                        ["local_project_path"] = project.Path,
                    });
                }
            }

            SeedJob job = row.Job;
            jobBatch.Add(new BsonDocument
            {
                ["_id"] = job.Id,
                ["project_id"] = job.ProjectId,
                ["kind"] = job.Kind,
                ["name"] = job.Name,
                ["started_at"] = job.StartedAt,
                ["stopped_at"] = job.StoppedAt,
                ["state"] = "finished",
                ["result"] = job.Failed ? "failed" : "succeeded",
                ["exit_code"] = job.Failed ? 1 : 0,
                ["recipe_hash"] = job.Recipe,
                ["pid"] = job.Pid,
                ["owner_pid"] = 1,
            });
            if (row.Index == MillionJobs.ProbeIndex)
            {
                probe = (job.Id, job.Recipe, job.Pid);
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
