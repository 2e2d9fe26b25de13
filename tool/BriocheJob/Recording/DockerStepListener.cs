using BriocheJob.BuildKit;
using BriocheJob.Docker;

namespace BriocheJob.Recording;

/// <summary>A step as the progress listener sees it: what it is, where it comes from, and how it ended.</summary>
public sealed class DockerStep
{
    internal DockerStep(TraceVertex vertex, string jobId, DockerStepMeta meta)
    {
        Vertex = vertex;
        JobId = jobId;
        Meta = meta;
    }

    /// <summary>The decoder's vertex (do not keep it past the build: it changes as records arrive).</summary>
    public TraceVertex Vertex { get; }

    /// <summary>The job id, recorded or not (see <see cref="Recorded"/>).</summary>
    public string JobId { get; }

    public DockerStepMeta Meta { get; }

    /// <summary>False when the store could not take this job (the build went on; a warning said why).</summary>
    public bool Recorded { get; internal set; }

    public DockerStepStatus Status { get; internal set; } = DockerStepStatus.Pending;

    public string Name => Vertex.Name;

    public string? DockerfilePath => Meta.Dockerfile;

    public int? Line => Meta.Line;

    public int? ExitCode => Vertex.ExitCode;

    public string? Error => Vertex.Error;

    public TimeSpan? Duration => Vertex.Duration;

    /// <summary>The step's last <paramref name="count"/> output lines (both streams, in arrival order).</summary>
    public IReadOnlyList<string> LastLines(int count)
    {
        var lines = Vertex.Lines;
        return lines.Skip(Math.Max(0, lines.Count - count)).Select(l => l.Text).ToList();
    }

    public override string ToString() => Line is { } line ? $"{Name} ({Path.GetFileName(DockerfilePath)}:{line})" : Name;
}

/// <summary>Progress of a recorded Docker build, raised on the thread that feeds the trace. Every method is optional.</summary>
public interface IDockerBuildListener : IRecordingObserver
{
    /// <summary>An image's build is about to start (<see cref="DockerImagesRecorder"/> builds one at a time).</summary>
    void OnImageStarted(DockerImageSpec image) { }

    /// <summary>An image's build ended, or could not start.</summary>
    void OnImageFinished(DockerImageResult result) { }

    void OnStepStarted(DockerStep step) { }

    void OnStepCached(DockerStep step) { }

    void OnStepCompleted(DockerStep step) { }

    /// <summary>The step failed; its error, exit code and last lines are known.</summary>
    void OnStepFailed(DockerStep step) { }

    void OnStepCancelled(DockerStep step) { }
}
