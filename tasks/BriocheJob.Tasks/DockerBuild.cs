using BriocheJob.Docker;
using BriocheJob.Recording;
using BriocheJob.Store;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace BriocheJob.Tasks;

/// <summary>
/// Builds each <c>&lt;DockerImage&gt;</c> with BuildKit through the Docker engine and records every step as a job
/// (see <see cref="DockerBuildRecorder"/>). Steps show in the build log as they start, hit the cache, complete or
/// fail; a failed step is an error at <c>Dockerfile(line)</c> naming its job and the command that shows its logs.
/// Recording problems are warnings: they never fail the build.
/// </summary>
public sealed class DockerBuild : Microsoft.Build.Utilities.Task, ICancelableTask
{
    /// <summary>How many of a failed step's last output lines the error shows.</summary>
    internal const int ErrorTailLines = 5;

    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>The <c>DockerImage</c> items: Include=NAME; Context, Dockerfile, Tags, Target, BuildArgs, Labels, Platform, NoCache, Pull, NetworkMode.</summary>
    [Required]
    public ITaskItem[] Images { get; set; } = [];

    /// <summary>The engine; default DOCKER_HOST, the current Docker context, then the default socket.</summary>
    public string? DockerHost { get; set; }

    public string? BriocheJobHome { get; set; }

    /// <summary>The job store (BriocheJobStore): a postgresql:// URI or Npgsql connection string; default the embedded store.</summary>
    public string? BriocheJobStore { get; set; }

    /// <summary>The external build id (BriocheJobBuildId); default one per MSBuild build.</summary>
    public string? BuildId { get; set; }

    /// <summary>One item per image built: ItemSpec the image id (<c>sha256:…</c>), metadata Name and Tags.</summary>
    [Output]
    public ITaskItem[] ImageIds { get; private set; } = [];

    /// <summary>Ctrl+C: the running build is cancelled through <c>/build/cancel</c> and recorded as cancelled.</summary>
    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Execute has already returned.
        }
    }

    public override bool Execute()
    {
        try
        {
            return ExecuteAsync(_cancellation.Token).GetAwaiter().GetResult();
        }
        catch (BriocheJobException e)
        {
            Log.LogError("Docker", e.Code, null, null, 0, 0, 0, 0, e.Message);
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug of ours must fail the build with one line, not an MSBuild task crash and a stack trace.
            Log.LogError("Docker", DockerRecordCodes.Unexpected, null, null, 0, 0, 0, 0,
                $"brioche-job failed unexpectedly while running the Docker build: {e.GetType().Name}: {e.Message}");
            Log.LogMessage(MessageImportance.Low, e.ToString());
            return false;
        }
        finally
        {
            _cancellation.Dispose();
        }
    }

    private async Task<bool> ExecuteAsync(CancellationToken cancellationToken)
    {
        var projectDirectory = ProjectDirectory();
        var specs = new List<(ITaskItem Item, DockerImageSpec Spec)>();
        foreach (var item in Images)
        {
            // Relative Context and Dockerfile paths are taken from the project that defined the item.
            var itemDirectory = item.GetMetadata("DefiningProjectDirectory") is { Length: > 0 } defining ? defining : projectDirectory;
            if (DockerImageItem.TryRead(item, itemDirectory, out var spec, out var problem))
                specs.Add((item, spec!));
            else
                Log.LogError(null, DockerRecordCodes.BadImageItem, null, ItemFile(item), 0, 0, 0, 0,
                    "DockerImage '{0}': {1}", item.ItemSpec, problem);
        }
        if (Log.HasLoggedErrors)
            return false;

        RecordingSession? session = null;
        try
        {
            session = RecordingSession.Begin(new RecordingOptions(BuildOrigin.MsBuild, BriocheJobHome,
                MSBuildBuildId.Get(BuildEngine, BuildId), projectDirectory,
                string.IsNullOrWhiteSpace(BriocheJobStore) ? null : BriocheJobStore,
                (code, message) => Log.LogWarning(null, code, null, null, 0, 0, 0, 0, "{0}", message)));
        }
        catch (Exception e) when (e is BriocheJobException or IOException or UnauthorizedAccessException
                                      or System.Data.Common.DbException)
        {
            Log.LogWarning(null, DockerRecordCodes.SessionFailed, null, null, 0, 0, 0, 0,
                "Docker images are built but not recorded: {0}", e.Message);
        }

        var imageIds = new List<ITaskItem>();
        var result = RunResult.Succeeded;
        var cancelled = false;
        try
        {
            using var client = DockerEngineClient.Create(string.IsNullOrWhiteSpace(DockerHost) ? null : DockerHost);
            foreach (var (item, spec) in specs)
            {
                var listener = new DockerBuildLog(Log, spec.Name);
                var recorder = new DockerBuildRecorder(client, session, listener);
                Log.LogMessage(MessageImportance.High, "{0}: building {1} with Docker (context {2})", spec.Name,
                    spec.ResolvedDockerfilePath, spec.ContextDirectory);
                DockerBuildOutcome outcome;
                try
                {
                    outcome = await recorder.BuildAsync(spec, cancellationToken).ConfigureAwait(false);
                }
                catch (BriocheJobException e)
                {
                    var file = e.Code == DockerCodes.DockerfileMissing ? spec.ResolvedDockerfilePath : ItemFile(item);
                    Log.LogError(null, e.Code, null, file, 0, 0, 0, 0, "{0}: {1}", spec.Name, e.Message);
                    result = RunResult.Failed;
                    break;
                }

                switch (outcome.End)
                {
                    case DockerBuildEnd.Succeeded:
                        var output = new TaskItem(outcome.ImageId);
                        output.SetMetadata("Name", spec.Name);
                        output.SetMetadata("Tags", string.Join(';', DockerBuildRecorder.ImageTags(spec)));
                        item.CopyMetadataTo(output);
                        imageIds.Add(output);
                        Log.LogMessage(MessageImportance.High, "{0}: built {1} ({2} steps, {3} cached)", spec.Name,
                            outcome.ImageId, outcome.Steps.Count, outcome.Steps.Count(s => s.Status == DockerStepStatus.Cached));
                        break;
                    case DockerBuildEnd.Cancelled:
                        cancelled = true;
                        Log.LogMessage(MessageImportance.High, "{0}: {1}: build cancelled; running steps recorded as cancelled",
                            spec.Name, DockerRecordCodes.BuildCancelled);
                        break;
                    default:
                        result = RunResult.Failed;
                        // A failing step was reported at its Dockerfile line as it failed; anything else is reported here.
                        if (outcome.FailedStep is null)
                            Log.LogError(null, DockerRecordCodes.BuildFailed, null, spec.ResolvedDockerfilePath, 0, 0, 0, 0,
                                "{0}: the Docker build failed: {1}", spec.Name, outcome.Error);
                        break;
                }
                if (cancelled || result == RunResult.Failed)
                    break;
            }
        }
        finally
        {
            if (session is not null)
            {
                try
                {
                    session.Finish(cancelled ? RunState.Cancelled : RunState.Finished, cancelled ? null : result);
                }
                catch (Exception e) when (e is BriocheJobException or IOException or System.Data.Common.DbException)
                {
                    Log.LogWarning(null, DockerRecordCodes.RecordFailed, null, null, 0, 0, 0, 0,
                        "could not finish the recorded build: {0}", e.Message);
                }
                session.Dispose();
            }
        }

        ImageIds = imageIds.ToArray();
        return !cancelled && !Log.HasLoggedErrors;
    }

    /// <summary>The project being built (the task node's file is the targets file that calls us).</summary>
    private string ProjectDirectory()
    {
        var project = Images.Select(i => i.GetMetadata("DefiningProjectFullPath")).FirstOrDefault(p => p.Length > 0)
                      ?? BuildEngine?.ProjectFileOfTaskNode;
        return string.IsNullOrEmpty(project) ? Environment.CurrentDirectory : Path.GetDirectoryName(Path.GetFullPath(project))!;
    }

    private string ItemFile(ITaskItem item) =>
        item.GetMetadata("DefiningProjectFullPath") is { Length: > 0 } project ? project : BuildEngine.ProjectFileOfTaskNode;
}
