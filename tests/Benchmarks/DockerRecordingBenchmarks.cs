using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using BriocheJob.Docker;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace Benchmarks;

/// <summary>
/// Recording overhead on the real engine: the same fully cached build (6 steps) through the engine API with its
/// progress stream read and thrown away, against <see cref="DockerBuildRecorder"/> as the DockerBuild task runs
/// it (open the store, begin the build, one job and one events file per step, finish). Target: under 50 ms added.
/// Needs the engine and busybox:local (eng/docker-engine.sh).
/// Run: dotnet run -c Release --project tests/Benchmarks -- --filter '*DockerRecording*'
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 20)]
[MemoryDiagnoser]
public class DockerRecordingBenchmarks
{
    private string _root = "";
    private DockerEngineClient _client = null!;
    private DockerImageSpec _spec = null!;

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("bj-bench-docker-").FullName;
        var context = Path.Combine(_root, "ctx");
        Directory.CreateDirectory(context);
        File.WriteAllText(Path.Combine(context, "app.txt"), "benchmark input\n");
        File.WriteAllText(Path.Combine(context, "Dockerfile"), """
            FROM busybox:local
            ENV MODE=bench
            WORKDIR /app
            COPY app.txt /app/app.txt
            RUN echo "prepare $MODE" && cat /app/app.txt
            RUN echo "build" >&2 && mkdir -p /app/out
            RUN echo "test" && ls /app
            """);
        _client = DockerEngineClient.Create();
        _spec = new DockerImageSpec("brioche-job-bench", context) { NetworkMode = "none" };
        // Fill BuildKit's cache so every measured build is the cached rebuild.
        DiscardStream().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.RemoveImageAsync(_spec.Name).GetAwaiter().GetResult();
        _client.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "API call, stream discarded")]
    public async Task<long> DiscardStream()
    {
        var context = BuildContext.Prepare(_spec.ContextDirectory);
        var request = DockerBuildRecorder.ToRequest(_spec, context);
        await using var response = await _client.BuildAsync(request, context.WriteTarAsync);
        long bytes = 0;
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await response.Body.ReadAsync(buffer)) > 0)
        {
            bytes += read;
        }

        return bytes;
    }

    [Benchmark(Description = "DockerBuildRecorder (recorded)")]
    public async Task<int> Record()
    {
        using var session = RecordingSession.Begin(new RecordingOptions(BuildOrigin.MsBuild, Path.Combine(_root, "home"),
            "bench-" + Guid.NewGuid().ToString("N"), _root));
        var outcome = await new DockerBuildRecorder(_client, session).BuildAsync(_spec);
        if (!outcome.Succeeded)
        {
            throw new InvalidOperationException("benchmark build failed: " + outcome.Error);
        }

        session.Finish(RunState.Finished, RunResult.Succeeded);
        return outcome.Steps.Count;
    }
}
