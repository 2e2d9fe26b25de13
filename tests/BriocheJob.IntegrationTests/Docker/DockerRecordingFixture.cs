using BriocheJob.Brioche;
using BriocheJob.Docker;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Docker;

/// <summary>
/// A scratch data home, a scratch build context and the real engine for one test. A missing engine or base image
/// fails the test (run eng/docker-engine.sh); it is never skipped or faked.
/// </summary>
public sealed class DockerRecordingFixture : IDisposable
{
    public const string BaseImage = "busybox:local";

    private readonly List<string> _images = [];

    /// <param name="client">The engine to build on; the one DOCKER_HOST or the context names when null.</param>
    public DockerRecordingFixture(DockerEngineClient? client = null)
    {
        Client = client ?? DockerEngineClient.Create();
        Root = Directory.CreateTempSubdirectory("bj-rec-").FullName;
        Home = Path.Combine(Root, "home");
        Context = Path.Combine(Root, "ctx");
        Directory.CreateDirectory(Context);
    }

    public string Root { get; }

    public string Home { get; }

    public string Context { get; }

    public DockerEngineClient Client { get; }

    /// <summary>A marker no earlier run can have printed, so a cache hit cannot fake a pass.</summary>
    public static string NewMarker(string prefix = "bj-marker") => $"{prefix}-{Guid.NewGuid():N}";

    public static CancellationToken Timeout(int seconds = 180) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    public string WriteDockerfile(string content, string name = "Dockerfile")
    {
        var path = Path.Combine(Context, name);
        File.WriteAllText(path, content);
        return path;
    }

    public DockerImageSpec Spec(string? dockerfile = null, bool noCache = false)
    {
        var name = "brioche-job-it-" + Guid.NewGuid().ToString("N")[..12];
        _images.Add(name);
        return new DockerImageSpec(name, Context, dockerfile) { NetworkMode = "none", NoCache = noCache };
    }

    public async Task RequireEngineAsync()
    {
        (await Client.InspectImageAsync(BaseImage, Timeout())).ShouldNotBeNull($"{BaseImage} is missing: run eng/docker-engine.sh");
    }

    public RecordingSession BeginSession(string? externalId = null) =>
        RecordingSession.Begin(new RecordingOptions(BuildOrigin.MsBuild, Home, externalId ?? "it-" + Guid.NewGuid().ToString("N"), Root));

    public async Task<(DockerBuildOutcome Outcome, BuildDetails Build, RecordingListener Listener)> BuildAndRecordAsync(
        DockerImageSpec spec, CancellationToken? cancellationToken = null, Action<DockerStep, RecordingListener>? onStarted = null)
    {
        await RequireEngineAsync();
        var listener = new RecordingListener(onStarted);
        using var session = BeginSession();
        var outcome = await new DockerBuildRecorder(Client, session, listener).BuildAsync(spec, cancellationToken ?? Timeout());
        session.Finish(outcome.End == DockerBuildEnd.Cancelled ? RunState.Cancelled : RunState.Finished,
            outcome.End switch
            {
                DockerBuildEnd.Succeeded => RunResult.Succeeded,
                DockerBuildEnd.Cancelled => null,
                _ => RunResult.Failed,
            });
        var build = session.Store.GetBuild(session.Build.Id).ShouldNotBeNull();
        return (outcome, build, listener);
    }

    /// <summary>The job recorded for the step at <paramref name="line"/> of the Dockerfile.</summary>
    public static JobRecord JobAtLine(BuildDetails build, int line) =>
        build.Jobs.Select(j => j.Job).Single(j => DockerStepMeta.TryParse(j.RecipeMeta)?.Line == line);

    public static async Task<List<ProcessEvent>> ReadEventsAsync(JobRecord job)
    {
        var path = job.LocalPath.ShouldNotBeNull($"job {job.Name} has no events file");
        File.Exists(path).ShouldBeTrue();
        var events = new List<ProcessEvent>();
        await using var reader = ProcessEventsReader.Open(path);
        await foreach (var e in reader.ReadAllAsync())
        {
            events.Add(e);
        }

        return events;
    }

    public static string Output(IEnumerable<ProcessEvent> events, OutputStream stream) =>
        System.Text.Encoding.UTF8.GetString(events.OfType<OutputEvent>().Where(e => e.Stream == stream)
            .SelectMany(e => e.Data.ToArray()).ToArray());

    public void Dispose()
    {
        foreach (var image in _images)
        {
            try { Client.RemoveImageAsync(image).GetAwaiter().GetResult(); }
            catch (BriocheJobException) { }
        }
        Client.Dispose();
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Collects what the recorder told its listener, in order.</summary>
public sealed class RecordingListener(Action<DockerStep, RecordingListener>? onStarted = null) : IDockerBuildListener
{
    public List<(string Event, DockerStep Step)> Events { get; } = [];

    public List<string> Problems { get; } = [];

    public void OnStepStarted(DockerStep step)
    {
        lock (Events)
        {
            Events.Add(("started", step));
        }

        onStarted?.Invoke(step, this);
    }

    public void OnStepCached(DockerStep step)
    {
        lock (Events)
        {
            Events.Add(("cached", step));
        }
    }

    public void OnStepCompleted(DockerStep step)
    {
        lock (Events)
        {
            Events.Add(("completed", step));
        }
    }

    public void OnStepFailed(DockerStep step)
    {
        lock (Events)
        {
            Events.Add(("failed", step));
        }
    }

    public void OnStepCancelled(DockerStep step)
    {
        lock (Events)
        {
            Events.Add(("cancelled", step));
        }
    }

    public void Problem(string code, string message)
    {
        lock (Problems)
        {
            Problems.Add($"{code}: {message}");
        }
    }
}
