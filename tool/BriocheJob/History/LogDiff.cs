using BriocheJob.Brioche;
using BriocheJob.Diagnostics;
using BriocheJob.Jobs;
using BriocheJob.Store;
using DiffPlex;
using DiffPlex.Renderer;

namespace BriocheJob.History;

/// <summary>
/// <c>logs --diff</c>: a unified diff (DiffPlex) of two jobs' output lines, the elapsed prefixes stripped so only
/// what the processes printed differs. The exit line is compared too.
/// </summary>
public static class LogDiff
{
    public const int ContextLines = 3;

    /// <summary>The other side: the most recent earlier succeeded job with the same step key; BJ6031 when none.</summary>
    public static JobView FindBaseline(IJobStore store, JobView job)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(job);
        string key = StepKeys.Of(job) ?? throw Catalog.History.NoStepKey.Exception(job.Job.Id);
        return store.FindPreviousByStepKey(key, job.Job, succeededOnly: true)
            ?? throw Catalog.History.NoEarlierSuccess.Exception(key);
    }

    /// <summary>The header naming both jobs, then the hunks; the header alone (and a note) when the output is the same.</summary>
    public static string Render(JobView @base, string basePath, JobView head, string headPath)
    {
        ArgumentNullException.ThrowIfNull(@base);
        ArgumentNullException.ThrowIfNull(head);
        string before = string.Join('\n', Lines(basePath));
        string after = string.Join('\n', Lines(headPath));
        string diff = new UnidiffRenderer(Differ.Instance, ContextLines)
            .Generate(before, after, Describe(@base), Describe(head), ignoreWhitespace: false, ignoreCase: false);
        if (!diff.Contains("\n@@", StringComparison.Ordinal) && !diff.StartsWith("@@", StringComparison.Ordinal))
        {
            return $"--- {Describe(@base)}\n+++ {Describe(head)}\n(no differences in the output lines)\n";
        }

        return diff.EndsWith('\n') ? diff : diff + "\n";
    }

    /// <summary>Output and exit lines without their <c>[elapsed]</c> prefix.</summary>
    public static IEnumerable<string> Lines(string eventsPath)
    {
        ProcessLog log = ProcessLog.Read(eventsPath);
        foreach (LogLine line in log.Lines)
        {
            switch (line.Kind)
            {
                case LogLineKind.Output:
                    yield return line.Text;
                    break;
                case LogLineKind.Exit:
                    yield return $"[{line.Text}]";
                    break;
                case LogLineKind.EndedAbruptly:
                    yield return line.Text;
                    break;
            }
        }
    }

    private static string Describe(JobView view) =>
        $"job {view.Job.Id} ({JobDisplay.Outcome(view.Job)}, build {view.Project?.BuildId ?? "?"}, {JobJson.FormatTime(view.Job.StartedAt)})";
}
