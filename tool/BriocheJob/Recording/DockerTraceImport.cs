using BriocheJob.BuildKit;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.Store;

namespace BriocheJob.Recording;

/// <summary>What <c>import docker</c> needs.</summary>
/// <param name="TracePath">A saved stream in any of the three encodings.</param>
/// <param name="Name">The image name to record; default: the file's name.</param>
/// <param name="DockerfilePath">The Dockerfile the trace came from, so steps get their lines; optional.</param>
public sealed record DockerTraceImportOptions(
    string TracePath,
    string? Home = null,
    TraceEncoding Encoding = TraceEncoding.Auto,
    string? Name = null,
    string? DockerfilePath = null,
    IReadOnlyDictionary<string, string>? BuildArgs = null);

public sealed record DockerTraceImportResult(string BuildId, int JobCount, int FailedJobCount, BuildTrace Trace);

/// <summary>
/// Records a saved BuildKit progress stream as a build (origin import) with one job and one events file per
/// step, through the same <see cref="DockerTraceRecorder"/> as a live build.
/// </summary>
public static class DockerTraceImport
{
    public static async Task<DockerTraceImportResult> ImportAsync(DockerTraceImportOptions options,
        IDockerBuildListener? listener = null, CancellationToken cancellationToken = default)
    {
        var tracePath = Path.GetFullPath(options.TracePath);
        // A first pass checks it is a trace at all, so a wrong file leaves no empty build behind.
        var check = await BuildKitTrace.DecodeFileAsync(tracePath, options.Encoding, null, cancellationToken,
                TraceLogRetention.Tail)
            .ConfigureAwait(false);
        if (check.Vertices.Count == 0)
        {
            throw Catalog.DockerBuild.ImportEmpty.Exception(options.TracePath);
        }

        Dockerfile? dockerfile = null;
        string? dockerfilePath = null;
        if (options.DockerfilePath is not null)
        {
            dockerfilePath = Path.GetFullPath(options.DockerfilePath);
            dockerfile = DockerfileParser.ParseFile(dockerfilePath, options.BuildArgs);
        }

        var name = options.Name ?? Path.GetFileName(tracePath);
        var spec = new DockerImageSpec(name, Path.GetDirectoryName(dockerfilePath ?? tracePath)!, dockerfilePath)
        {
            BuildArgs = options.BuildArgs ?? new Dictionary<string, string>(),
        };
        using var session = RecordingSession.Begin(new RecordingOptions(BuildOrigin.Import, options.Home));
        try
        {
            var project = session.AddProject(new ProjectRequest(JobKind.Docker, name,
                LocalProjectPath: dockerfilePath ?? tracePath));
            using var recorder = new DockerTraceRecorder(session, project, dockerfilePath is null ? null : spec,
                dockerfilePath, dockerfile, listener, saveEachJob: false);
            var trace = await BuildKitTrace.DecodeFileAsync(tracePath, options.Encoding, recorder, cancellationToken,
                    TraceLogRetention.Tail)
                .ConfigureAwait(false);
            var end = trace.Error is null ? DockerBuildEnd.Succeeded
                : DockerStepMapping.IsCancellationError(trace.Error) ? DockerBuildEnd.Cancelled
                : DockerBuildEnd.Failed;
            recorder.Flush();
            var lastTime = trace.Vertices.Select(v => v.Completed ?? v.Started).Max();
            recorder.Finish(end, lastTime);
            session.Finish(end == DockerBuildEnd.Cancelled ? RunState.Cancelled : RunState.Finished,
                end == DockerBuildEnd.Succeeded ? RunResult.Succeeded
                : end == DockerBuildEnd.Cancelled ? null : RunResult.Failed);
            var steps = recorder.Steps;
            return new DockerTraceImportResult(session.Build.Id, recorder.RecordedJobCount,
                steps.Count(s => s.Recorded && s.Status == DockerStepStatus.Failed), trace);
        }
        catch (OperationCanceledException)
        {
            session.Finish(RunState.Cancelled, null);
            throw;
        }
    }
}
