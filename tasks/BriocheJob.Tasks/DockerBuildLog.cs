using System.Text;
using BriocheJob.Diagnostics;
using BriocheJob.Recording;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace BriocheJob.Tasks;

/// <summary>
/// Image and step progress into the MSBuild log; a failed step becomes the coded error at its Dockerfile line, an
/// image that could not be built one error at its item (or its missing Dockerfile).
/// </summary>
internal sealed class DockerBuildLog(TaskLoggingHelper log, Func<DockerImageSpec, string> itemFile, Func<string, string?>? history = null) : IDockerBuildListener
{
    private string? _image;

    public void OnImageStarted(DockerImageSpec image)
    {
        _image = image.Name;
        log.LogMessage(MessageImportance.High, "{0}: building {1} with Docker (context {2})", image.Name,
            image.ResolvedDockerfilePath, image.ContextDirectory);
    }

    public void OnImageFinished(DockerImageResult result)
    {
        var spec = result.Spec;
        if (result.Error is { } e)
        {
            var file = e.Code == Catalog.Docker.DockerfileMissing ? spec.ResolvedDockerfilePath : itemFile(spec);
            log.LogError(null, e.Code, null, file, 0, 0, 0, 0, "{0}: {1}", spec.Name, e.Message);
            return;
        }

        var outcome = result.Outcome!;
        switch (outcome.End)
        {
            case DockerBuildEnd.Succeeded:
                log.LogMessage(MessageImportance.High, "{0}: built {1} ({2} steps, {3} cached)", spec.Name,
                    outcome.ImageId, outcome.Steps.Count, outcome.Steps.Count(s => s.Status == DockerStepStatus.Cached));
                break;
            case DockerBuildEnd.Cancelled:
                log.LogMessage(MessageImportance.High, "{0}: {1}: {2}",
                    spec.Name, Catalog.DockerBuild.BuildCancelled.Code, Catalog.DockerBuild.BuildCancelled.Message());
                break;
            default:
                // A failing step was reported at its Dockerfile line as it failed; anything else is reported here.
                if (outcome.FailedStep is null)
                {
                    log.LogError(null, Catalog.DockerBuild.BuildFailed, null, spec.ResolvedDockerfilePath,
                        BuildKit.BuildErrorLine.Find(outcome.Error) ?? 0, 0, 0, 0,
                        Catalog.DockerBuild.BuildFailed.Message(spec.Name, outcome.Error));
                }

                break;
        }
    }

    private string Image => _image ?? "";

    public void OnStepStarted(DockerStep step) =>
        log.LogMessage(MessageImportance.High, "{0}: {1}{2}", Image, step.Name, Where(step));

    public void OnStepCached(DockerStep step) =>
        log.LogMessage(MessageImportance.Normal, "{0}: CACHED {1}{2}", Image, step.Name, Where(step));

    public void OnStepCompleted(DockerStep step) =>
        log.LogMessage(MessageImportance.Normal, "{0}: DONE {1:0.0}s {2}", Image,
            step.Duration?.TotalSeconds ?? 0, step.Name);

    public void OnStepCancelled(DockerStep step) =>
        log.LogMessage(MessageImportance.Normal, "{0}: CANCELED {1}", Image, step.Name);

    public void OnStepFailed(DockerStep step) =>
        log.LogError(null, Catalog.DockerBuild.StepFailed, null, step.DockerfilePath ?? "", step.Line ?? 0, 0, 0, 0,
            "{0}", FailureMessage(Image, step, DockerBuild.ErrorTailLines, step.Recorded ? history?.Invoke(step.JobId) : null));

    /// <summary>A recording problem: a warning, prefixed with the image when one is being built.</summary>
    public void Problem(string code, string message)
    {
        if (_image is null)
        {
            log.LogWarning(null, code, null, null, 0, 0, 0, 0, "{0}", message);
        }
        else
        {
            log.LogWarning(null, code, null, null, 0, 0, 0, 0, "{0}: {1}", _image, message);
        }
    }

    private static string Where(DockerStep step) =>
        step.Line is { } line ? $" ({Path.GetFileName(step.DockerfilePath)}:{line})" : "";

    /// <summary>The step, its exit code, its last lines, its job id and the command that shows its logs.</summary>
    internal static string FailureMessage(string image, DockerStep step, int tailLines, string? history = null)
    {
        var text = new StringBuilder();
        var name = step.Meta.Instruction ?? step.Name;
        var job = step.Recorded ? $"job {step.JobId}" : "not recorded";
        text.Append(step switch
        {
            { ExitCode: { } code } => Catalog.DockerBuild.StepFailed.Message(image, name, code, job),
            { Error: { } error } => Catalog.DockerBuild.StepFailedWithError.Message(image, name, error, job),
            _ => Catalog.DockerBuild.StepFailedWithoutCode.Message(image, name, job),
        });
        // The catalogue's message is the first line; the step's last lines and the commands follow it.
        text.Append('.');
        var lines = step.LastLines(tailLines);
        if (lines.Count > 0)
        {
            text.Append(" Last ").Append(lines.Count == 1 ? "line" : $"{lines.Count} lines").Append(':');
            foreach (var line in lines)
            {
                text.Append("\n    ").Append(line);
            }
        }
        if (step.Recorded)
        {
            text.Append("\n  Logs: dotnet brioche-job logs ").Append(step.JobId)
                .Append("\n  Shell: dotnet brioche-job debug-shell ").Append(step.JobId);
        }

        if (history is not null)
        {
            text.Append("\n  ").Append(history);
        }

        return text.ToString();
    }
}
