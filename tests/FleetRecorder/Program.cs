using System.Diagnostics;
using System.Globalization;
using BriocheJob.Recording;
using BriocheJob.Store;

// TEST-ONLY. One node of the fleet test: records BUILDS builds of JOBS jobs each, through the same recording session
// the MSBuild tasks use, into the store named by --store (or the data home's embedded store), and prints one line:
//   node=N jobs=J errors=E warnings=W elapsed_ms=T p50_ms=A p99_ms=B
// Each job is saved twice (running, then finished), as the recorders do; the latency is of one job's two saves.
// Usage: FleetRecorder NODE BUILDS JOBS HOME [STORE]
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: FleetRecorder NODE BUILDS JOBS HOME [STORE]");
    return 2;
}

int node = int.Parse(args[0], CultureInfo.InvariantCulture);
int builds = int.Parse(args[1], CultureInfo.InvariantCulture);
int jobsPerBuild = int.Parse(args[2], CultureInfo.InvariantCulture);
string home = args[3];
string? store = args.Length > 4 ? args[4] : null;
int errors = 0, warnings = 0, recorded = 0;
var latencies = new List<double>();
var total = Stopwatch.StartNew();
for (int b = 0; b < builds; b++)
{
    try
    {
        using var session = RecordingSession.Begin(new RecordingOptions(BuildOrigin.MsBuild, home,
            ExternalBuildId: $"fleet-node{node}-build{b}", Store: store, Warn: (_, message) =>
            {
                warnings++;
                Console.Error.WriteLine(message);
            }));
        ProjectRecord project = session.AddProject(new ProjectRequest(JobKind.Docker, $"node{node}", LocalProjectPath: $"/src/node{node}.csproj"));
        for (int j = 0; j < jobsPerBuild; j++)
        {
            var started = DateTimeOffset.UtcNow;
            var job = new JobRecord(Ulid.NewUlid(started), project.Id, JobKind.Docker, $"node{node} build{b} step{j}", started);
            var one = Stopwatch.StartNew();
            session.SaveJob(job);
            session.SaveJob(job with { StoppedAt = DateTimeOffset.UtcNow, State = RunState.Finished, Result = RunResult.Succeeded });
            latencies.Add(one.Elapsed.TotalMilliseconds);
            recorded++;
        }

        session.Finish(RunState.Finished, RunResult.Succeeded);
    }
    catch (Exception ex)
    {
        errors++;
        Console.Error.WriteLine($"node {node} build {b}: {ex.GetType().Name}: {ex.Message}");
    }
}

latencies.Sort();
double Percentile(double p) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"node={node} jobs={recorded} errors={errors} warnings={warnings} elapsed_ms={total.Elapsed.TotalMilliseconds:F0} " +
    $"p50_ms={Percentile(0.50):F2} p99_ms={Percentile(0.99):F2}"));
return errors == 0 ? 0 : 1;
