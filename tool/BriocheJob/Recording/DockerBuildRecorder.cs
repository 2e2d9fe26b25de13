using BriocheJob.BuildKit;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.Store;

namespace BriocheJob.Recording;

/// <summary>What one recorded image build came to.</summary>
/// <param name="BuildId">The engine build id we sent (for <c>/build/cancel</c>).</param>
/// <param name="Error">The build's error (engine error line, failing step, or why the stream ended); null on success.</param>
/// <param name="FailedStep">The step that broke the build, when one did (not for a cancellation).</param>
public sealed record DockerBuildOutcome(
    string BuildId,
    DockerBuildEnd End,
    string? ImageId,
    string? Error,
    ProjectRecord? Project,
    IReadOnlyList<DockerStep> Steps,
    DockerStep? FailedStep,
    BuildTrace? Trace)
{
    public bool Succeeded => End == DockerBuildEnd.Succeeded;
}

/// <summary>
/// Runs one image build through the engine and records it: a build_projects row for the image, a job and an
/// events file per BuildKit step (see <see cref="DockerTraceRecorder"/>). Cancelling the token asks the engine to
/// cancel (<c>/build/cancel</c>) and records the steps still running as cancelled. The session is left open:
/// the caller may build more images into it and finishes it.
/// </summary>
public sealed class DockerBuildRecorder
{
    /// <summary>How long the engine gets to end the stream after <c>/build/cancel</c> before we drop the connection.</summary>
    public static readonly TimeSpan CancelGracePeriod = TimeSpan.FromSeconds(10);

    private readonly DockerEngineClient _client;
    private readonly RecordingSession? _session;
    private readonly IDockerBuildListener? _listener;

    /// <param name="session">Where to record; null builds without recording (e.g. the store could not be opened).</param>
    public DockerBuildRecorder(DockerEngineClient client, RecordingSession? session, IDockerBuildListener? listener = null)
    {
        _client = client;
        _session = session;
        _listener = listener;
    }

    /// <summary>
    /// Builds <paramref name="spec"/>. Throws <see cref="BriocheJobException"/> for a missing context or Dockerfile
    /// (BJ5010, BJ5011), an unreachable engine (BJ5001) or a request the engine refuses (BJ5003); every other
    /// outcome, cancellation included, is returned.
    /// </summary>
    public async Task<DockerBuildOutcome> BuildAsync(DockerImageSpec spec, CancellationToken cancellationToken = default)
    {
        var context = BuildContext.Prepare(spec.ContextDirectory, spec.DockerfilePath);
        var dockerfilePath = context.DockerfilePath;
        Dockerfile? dockerfile = null;
        try
        {
            dockerfile = DockerfileParser.ParseFile(dockerfilePath, spec.BuildArgs);
        }
        catch (BriocheJobException e)
        {
            _listener?.Problem(Catalog.DockerBuild.DockerfileUnmapped,
                Catalog.DockerBuild.DockerfileUnmapped.Message("Dockerfile lines", e.Message));
        }

        IReadOnlyDictionary<int, IReadOnlyDictionary<string, string>>? contextDigests = null;
        if (dockerfile is not null && _session is not null)
        {
            try
            {
                contextDigests = ContextSourceDigests.Compute(context, dockerfile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _listener?.Problem(Catalog.DockerBuild.DockerfileUnmapped,
                    Catalog.DockerBuild.DockerfileUnmapped.Message("context digests", e.Message));
            }
        }

        ProjectRecord? project = null;
        if (_session is not null)
        {
            try
            {
                project = _session.AddProject(new ProjectRequest(JobKind.Docker, spec.Name, LocalProjectPath: dockerfilePath));
            }
            catch (Exception e) when (RecordingPolicy.IsRecordingFailure(e))
            {
                _listener?.Problem(Catalog.DockerBuild.RecordFailed, Catalog.DockerBuild.RecordFailed.Message($"record image {spec.Name}", e.Message));
            }
        }

        var request = ToRequest(spec, context);
        using var recorder = new DockerTraceRecorder(project is null ? null : _session, project, spec, dockerfilePath,
            dockerfile, _listener, saveEachJob: true)
        { ContextDigests = contextDigests };
        var decoder = new BuildKitTraceDecoder(recorder, TraceLogRetention.Tail);

        DockerBuildResponse response;
        try
        {
            response = await _client.BuildAsync(request, context.WriteTarAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while the context was still being sent: the engine never started a build to cancel.
            return new DockerBuildOutcome(request.BuildId, DockerBuildEnd.Cancelled, null, "cancelled", project, [], null, null);
        }

        string? streamError = null;
        using var hardStop = new CancellationTokenSource();
        await using (response.ConfigureAwait(false))
        {
            await using var onCancel = cancellationToken.Register(() => _ = CancelAsync(request.BuildId, hardStop));
            try
            {
                try
                {
                    await DockerTraceRecorder.FeedProgressAsync(response.Body, decoder, recorder, hardStop.Token)
                        .ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw response.ClosedEarly(e);
                }
            }
            catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
            {
                streamError = "cancelled";
            }
            catch (BriocheJobException e) when (e.Code == Catalog.Docker.EngineUnreachable)
            {
                streamError = e.Message;
            }
        }

        var trace = decoder.Finish();
        recorder.Flush();
        var end = cancellationToken.IsCancellationRequested ? DockerBuildEnd.Cancelled
            : trace.Error is not null ? DockerBuildEnd.Failed
            : streamError is not null || trace.ImageId is null ? DockerBuildEnd.StreamEnded
            : DockerBuildEnd.Succeeded;
        recorder.Finish(end);

        var error = end switch
        {
            DockerBuildEnd.Succeeded => null,
            DockerBuildEnd.Cancelled => "cancelled",
            DockerBuildEnd.Failed => trace.Error,
            _ => streamError ?? "the engine ended the build without an image id or an error",
        };
        var failed = end == DockerBuildEnd.Failed && trace.FailedVertex is { } vertex
                     && !DockerStepMapping.IsCancellationError(vertex.Error)
            ? recorder.FindStep(vertex)
            : null;
        return new DockerBuildOutcome(request.BuildId, end, trace.ImageId, error, project, recorder.Steps, failed, trace);
    }

    private async Task CancelAsync(string buildId, CancellationTokenSource hardStop)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CancelGracePeriod);
            await _client.CancelBuildAsync(buildId, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BriocheJobException or OperationCanceledException or HttpRequestException)
        {
            // The engine did not take the cancel: dropping the connection cancels the build too.
            try { hardStop.Cancel(); }
            catch (ObjectDisposedException) { }
            return;
        }

        try
        {
            // Give the engine time to report the steps it stopped, then stop reading whatever happens.
            hardStop.CancelAfter(CancelGracePeriod);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>The POST /build query for an image: tags are <c>NAME:tag</c> unless a tag is a full reference.</summary>
    public static DockerBuildRequest ToRequest(DockerImageSpec spec, BuildContext context) => new(spec)
    {
        BuildId = "brioche-job-" + Guid.NewGuid().ToString("N"),
        Dockerfile = context.DockerfileNameInContext,
        Tags = ImageTags(spec),
    };

    /// <summary><c>Tags="1.0;latest"</c> on <c>NAME</c> gives <c>NAME:1.0</c> and <c>NAME:latest</c>; no tags gives <c>NAME</c>.</summary>
    public static IReadOnlyList<string> ImageTags(DockerImageSpec spec)
    {
        if (spec.Tags.Count == 0)
        {
            return [spec.Name];
        }

        return spec.Tags.Select(t => t.Contains(':') || t.Contains('/') ? t : $"{spec.Name}:{t}").Distinct().ToList();
    }
}
