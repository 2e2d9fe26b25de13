using System.Globalization;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.Store;
using BriocheJob.TestSupport;
using Xunit.Abstractions;

namespace BriocheJob.IntegrationTests.Store;

/// <summary>
/// The fleet test: 8 recording processes (each like one MSBuild node, through the tasks' recording session) record a
/// 50-job build each, at once, into one store. Nothing is lost, nothing fails, and every job lands in its own build.
/// Run against the PostgreSQL test cluster and against the embedded store, side by side.
/// </summary>
public sealed class FleetTests : IDisposable
{
    private const int Nodes = 8;
    private const int JobsPerBuild = 50;
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _temp = new("bj-fleet-");

    public FleetTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Eight_nodes_record_into_one_server_without_losing_or_mixing_a_job()
    {
        using var schema = new TestSchema();
        await RunFleet(schema.ConnectionString());
        using PostgresJobStore store = schema.Open();
        CheckEveryBuild(store);
    }

    [Fact]
    public async Task Eight_nodes_record_into_one_embedded_store_without_losing_or_mixing_a_job()
    {
        await RunFleet(null);
        using SqliteJobStore store = SqliteJobStore.Open(new DataHome(_temp.Combine("home")));
        CheckEveryBuild(store);
    }

    private async Task RunFleet(string? storeLocation)
    {
        string recorder = RepositoryLayout.RequireFile(Path.Combine(RepositoryLayout.OutputOf("tests/FleetRecorder"), "FleetRecorder"));
        string home = _temp.Combine("home");
        IEnumerable<Task<ProcessResult>> nodes = Enumerable.Range(0, Nodes).Select(node => ProcessRunner.RunAsync(recorder,
            storeLocation is null
                ? [node.ToString(CultureInfo.InvariantCulture), "1", JobsPerBuild.ToString(CultureInfo.InvariantCulture), home]
                : [node.ToString(CultureInfo.InvariantCulture), "1", JobsPerBuild.ToString(CultureInfo.InvariantCulture), home, storeLocation]));
        ProcessResult[] results = await Task.WhenAll(nodes);
        foreach (ProcessResult result in results)
        {
            _output.WriteLine(result.Stdout.Trim());
            result.ExitCode.ShouldBe(0, result.Describe());
            result.Stdout.ShouldContain($"jobs={JobsPerBuild} errors=0 warnings=0", customMessage: result.Describe());
            result.Stderr.ShouldBeEmpty();
        }
    }

    private static void CheckEveryBuild(IJobStore store)
    {
        store.Describe().Jobs.ShouldBe(Nodes * JobsPerBuild);
        store.QueryBuilds(100).Count.ShouldBe(Nodes);
        for (int node = 0; node < Nodes; node++)
        {
            BuildDetails build = store.GetBuild($"fleet-node{node}-build0").ShouldNotBeNull();
            build.Build.Result.ShouldBe(RunResult.Succeeded);
            build.Jobs.Count.ShouldBe(JobsPerBuild);
            build.Jobs.ShouldAllBe(j => j.Job.Name!.StartsWith($"node{node} build0 ") && j.Job.State == RunState.Finished);
            build.Projects.ShouldHaveSingleItem().Name.ShouldBe($"node{node}");
        }
    }
}
