using BriocheJob.Recording;
using BriocheJob.Store;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace BriocheJob.Tasks;

/// <summary>Turns the recorder's progress into build messages, so the terminal logger shows movement; recording problems become warnings.</summary>
internal sealed class BriocheBuildLog(TaskLoggingHelper log) : IBriocheBuildObserver
{
    public void ProjectStarted(BriocheProjectSpec project, IReadOnlyList<string> arguments) =>
        log.LogMessage(MessageImportance.High, "Brioche: building {0} ({1})", project.Name, string.Join(' ', arguments));

    public void OutputLine(BriocheProjectSpec project, bool isError, string line) =>
        log.LogMessage(MessageImportance.Normal, "brioche: {0}", line);

    public void JobStarted(BriocheProjectSpec project, JobRecord job) =>
        log.LogMessage(MessageImportance.High, "Brioche: job {0} started: {1}", job.Id, job.Name);

    public void JobFinished(BriocheProjectSpec project, JobRecord job) =>
        log.LogMessage(MessageImportance.High, "Brioche: job {0} {1}{2}", job.Id, BriocheBuildMessages.Status(job),
            job.Duration is { } d ? $" in {d.TotalSeconds:0.00}s" : "");

    public void Problem(string code, string message) =>
        log.LogWarning(null, code, null, null, 0, 0, 0, 0, message);
}
