using System.Diagnostics;
using BriocheJob.Store;
using LiteDB;

// One writer of the fleet: STORE (litedb|sqlite) PATH WRITER JOBS. It prints "ready", waits for a line on stdin so
// that every writer starts at once, inserts JOBS running jobs, then updates each to finished, one operation (one
// transaction) at a time as a recording does. Every failed operation is counted, never fatal. Last line:
// "result WRITER inserted updated failed elapsed-ms first-error".
if (args.Length != 4 || !int.TryParse(args[2], out int writer) || !int.TryParse(args[3], out int jobs))
{
    Console.Error.WriteLine("usage: StoreWriter litedb|sqlite PATH WRITER JOBS");
    return 2;
}

string store = args[0];
string path = args[1];
Console.WriteLine("ready");
Console.Out.Flush();
Console.In.ReadLine();

int inserted = 0, updated = 0, failed = 0;
string? firstError = null;
var clock = Stopwatch.StartNew();

bool Try(Action operation)
{
    try
    {
        operation();
        return true;
    }
    catch (Exception e)
    {
        failed++;
        firstError ??= $"{e.GetType().Name}: {e.Message}".ReplaceLineEndings(" ");
        return false;
    }
}

DateTimeOffset t0 = DateTimeOffset.UtcNow;
string IdOf(int i) => $"w{writer:D2}-{i:D6}";

if (store == "litedb")
{
    LiteDatabase? db = null;
    if (Try(() => db = new LiteDatabase($"Filename={path};Connection=shared")))
    {
        ILiteCollection<BsonDocument> collection = db!.GetCollection("jobs");
        for (int i = 0; i < jobs; i++)
        {
            int n = i;
            var document = new BsonDocument
            {
                ["_id"] = IdOf(n),
                ["build_id"] = $"build-{writer}",
                ["kind"] = "docker",
                ["name"] = $"RUN step {n}",
                ["started_at"] = t0.AddMilliseconds(n).ToUnixTimeMilliseconds(),
                ["state"] = "running",
                ["owner_pid"] = Environment.ProcessId,
            };
            if (Try(() => collection.Insert(document)))
            {
                inserted++;
            }
        }

        for (int i = 0; i < jobs; i++)
        {
            int n = i;
            if (Try(() =>
                {
                    BsonDocument document = collection.FindById(IdOf(n)) ?? throw new InvalidOperationException("document missing");
                    document["state"] = "finished";
                    document["result"] = n % 10 == 0 ? "failed" : "succeeded";
                    document["stopped_at"] = t0.AddMilliseconds(n + 5).ToUnixTimeMilliseconds();
                    if (!collection.Update(document))
                    {
                        throw new InvalidOperationException("update found no document");
                    }
                }))
            {
                updated++;
            }
        }

        Try(() => db.Dispose());
    }
    else
    {
        failed += 2 * jobs - 1;
    }
}
else if (store == "sqlite")
{
    SqliteJobStore? db = null;
    long project = 0;
    if (Try(() =>
        {
            db = SqliteJobStore.Open(path);
            BuildRecord build = db.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: $"fleet-{writer}"));
            project = db.AddProject(build.Id, new ProjectRequest(JobKind.Docker, $"image-{writer}")).Id;
        }))
    {
        var running = new List<JobRecord>(jobs);
        for (int i = 0; i < jobs; i++)
        {
            var job = new JobRecord(Ulid.NewUlid(t0.AddMilliseconds(i)), project, JobKind.Docker, $"RUN step {i}", t0.AddMilliseconds(i));
            if (Try(() => db!.SaveJob(job)))
            {
                inserted++;
                running.Add(job);
            }
        }

        for (int i = 0; i < running.Count; i++)
        {
            JobRecord finished = running[i] with
            {
                State = RunState.Finished,
                Result = i % 10 == 0 ? RunResult.Failed : RunResult.Succeeded,
                StoppedAt = running[i].StartedAt.AddMilliseconds(5),
            };
            if (Try(() => db!.SaveJob(finished)))
            {
                updated++;
            }
        }

        Try(() => db!.Dispose());
    }
    else
    {
        failed += 2 * jobs - 1;
    }
}
else
{
    Console.Error.WriteLine($"unknown store '{store}'");
    return 2;
}

Console.WriteLine($"result {writer} {inserted} {updated} {failed} {clock.ElapsedMilliseconds} {firstError ?? "-"}");
return 0;
