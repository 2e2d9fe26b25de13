using System.Text;
using BriocheJob.Recording;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace BriocheJob.Tasks;

/// <summary>Step progress into the MSBuild log; a failed step becomes the coded error at its Dockerfile line.</summary>
internal sealed class DockerBuildLog(TaskLoggingHelper log, string image, Func<string, string?>? history = null) : IDockerBuildListener
{
    public void OnStepStarted(DockerStep step) =>
        log.LogMessage(MessageImportance.High, "{0}: {1}{2}", image, step.Name, Where(step));

    public void OnStepCached(DockerStep step) =>
        log.LogMessage(MessageImportance.Normal, "{0}: CACHED {1}{2}", image, step.Name, Where(step));

    public void OnStepCompleted(DockerStep step) =>
        log.LogMessage(MessageImportance.Normal, "{0}: DONE {1:0.0}s {2}", image,
            step.Duration?.TotalSeconds ?? 0, step.Name);

    public void OnStepCancelled(DockerStep step) =>
        log.LogMessage(MessageImportance.Normal, "{0}: CANCELED {1}", image, step.Name);

    public void OnStepFailed(DockerStep step) =>
        log.LogError(null, DockerRecordCodes.StepFailed, null, step.DockerfilePath ?? "", step.Line ?? 0, 0, 0, 0,
            "{0}", FailureMessage(image, step, DockerBuild.ErrorTailLines, step.Recorded ? history?.Invoke(step.JobId) : null));

    public void OnRecordingProblem(string code, string message) =>
        log.LogWarning(null, code, null, null, 0, 0, 0, 0, "{0}: {1}", image, message);

    private static string Where(DockerStep step) =>
        step.Line is { } line ? $" ({Path.GetFileName(step.DockerfilePath)}:{line})" : "";

    /// <summary>The step, its exit code, its last lines, its job id and the command that shows its logs.</summary>
    internal static string FailureMessage(string image, DockerStep step, int tailLines, string? history = null)
    {
        var text = new StringBuilder();
        text.Append(image).Append(": step ").Append(step.Meta.Instruction ?? step.Name);
        text.Append(step.ExitCode is { } code ? $" failed with exit code {code}" : " failed");
        if (step.ExitCode is null && step.Error is { } error)
            text.Append(": ").Append(error);
        text.Append(step.Recorded ? $" (job {step.JobId})." : " (not recorded).");
        var lines = step.LastLines(tailLines);
        if (lines.Count > 0)
        {
            text.Append(" Last ").Append(lines.Count == 1 ? "line" : $"{lines.Count} lines").Append(':');
            foreach (var line in lines)
                text.Append("\n    ").Append(line);
        }
        if (step.Recorded)
            text.Append("\n  Logs: dotnet brioche-job logs ").Append(step.JobId)
                .Append("\n  Shell: dotnet brioche-job debug-shell ").Append(step.JobId);
        if (history is not null)
            text.Append("\n  ").Append(history);
        return text.ToString();
    }
}
