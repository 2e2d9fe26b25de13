using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.Store;

namespace BriocheJob.Recording;

/// <summary>How one image of a <see cref="DockerImagesRecorder"/> run ended: an outcome, or the error that stopped it before the build ran.</summary>
/// <param name="Error">A missing context or Dockerfile, an unreachable engine, a request the engine refused.</param>
public sealed record DockerImageResult(DockerImageSpec Spec, DockerBuildOutcome? Outcome, BriocheJobException? Error)
{
    public bool Succeeded => Outcome is { Succeeded: true };
}

/// <summary>What a run of images came to; the images after the first that failed or was cancelled are not built.</summary>
public sealed record DockerImagesOutcome(IReadOnlyList<DockerImageResult> Images, bool Cancelled);

/// <summary>
/// Builds images one after the other through one engine, into one recorded build: begins the session (a store that
/// cannot be opened is problem BJ5105 and the images are built unrecorded), records each image with
/// <see cref="DockerBuildRecorder"/>, stops at the first failure or cancellation, and finishes the build.
/// </summary>
public sealed class DockerImagesRecorder
{
    private readonly RecordingOptions _options;
    private readonly string? _dockerHost;
    private readonly IDockerBuildListener? _listener;

    /// <param name="dockerHost">The engine; null for DOCKER_HOST, the current Docker context, then the default socket.</param>
    public DockerImagesRecorder(RecordingOptions options, string? dockerHost, IDockerBuildListener? listener = null)
    {
        _options = options;
        _dockerHost = dockerHost;
        _listener = listener;
    }

    /// <summary>Builds <paramref name="images"/> in order; throws <see cref="BriocheJobException"/> BJ5002 for an unusable host.</summary>
    public async Task<DockerImagesOutcome> RunAsync(IReadOnlyList<DockerImageSpec> images, CancellationToken cancellationToken = default)
    {
        using var session = RecordingSession.TryBegin(_options, _listener, Catalog.DockerBuild.SessionFailed);
        var results = new List<DockerImageResult>();
        var cancelled = false;
        try
        {
            using var client = DockerEngineClient.Create(_dockerHost);
            foreach (var spec in images)
            {
                var result = await BuildAsync(client, session, spec, cancellationToken).ConfigureAwait(false);
                results.Add(result);
                _listener?.OnImageFinished(result);
                cancelled = result.Outcome?.End == DockerBuildEnd.Cancelled;
                if (!result.Succeeded)
                {
                    break;
                }
            }
        }
        finally
        {
            var failed = !cancelled && (results.Count < images.Count || results.Any(r => !r.Succeeded));
            session?.Try(Catalog.DockerBuild.RecordFailed,
                () => session.Finish(cancelled ? RunState.Cancelled : RunState.Finished,
                    cancelled ? null : failed ? RunResult.Failed : RunResult.Succeeded), "finish the recorded build");
        }

        return new DockerImagesOutcome(results, cancelled);
    }

    private async Task<DockerImageResult> BuildAsync(DockerEngineClient client, RecordingSession? session, DockerImageSpec spec,
        CancellationToken cancellationToken)
    {
        _listener?.OnImageStarted(spec);
        try
        {
            var outcome = await new DockerBuildRecorder(client, session, _listener).BuildAsync(spec, cancellationToken).ConfigureAwait(false);
            return new DockerImageResult(spec, outcome, null);
        }
        catch (BriocheJobException e)
        {
            return new DockerImageResult(spec, null, e);
        }
    }
}
