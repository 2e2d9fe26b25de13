using System.Globalization;
using BriocheJob.Brioche;
using BriocheJob.Docker;
using BriocheJob.Store;

namespace BriocheJob.Bundles;

/// <summary>
/// A Docker build's recorded steps as a timeline in the style of <c>--progress=plain</c> (<c>#N name</c>,
/// <c>#N 0.123 line</c>, <c>#N DONE 0.5s</c>, <c>#N CACHED</c>, <c>#N ERROR: …</c>): the decoded trace of a bundle.
/// </summary>
public static class StepTimeline
{
    public static string Render(IEnumerable<JobRecord> steps)
    {
        var text = new System.Text.StringBuilder();
        int n = 0;
        foreach (var job in steps.OrderBy(j => j.StartedAt).ThenBy(j => j.Id, StringComparer.Ordinal))
        {
            n++;
            var meta = DockerStepMeta.TryParse(job.RecipeMeta);
            text.Append('#').Append(n).Append(' ').Append(meta?.Vertex ?? job.Name).Append('\n');
            if (meta?.Dockerfile is { } dockerfile && meta.Line is { } line)
            {
                text.Append('#').Append(n).Append(" at ").Append(System.IO.Path.GetFileName(dockerfile)).Append(':').Append(line).Append('\n');
            }

            if (job.Cached)
            {
                text.Append('#').Append(n).Append(" CACHED\n");
                continue;
            }

            if (job.LocalPath is { } path && File.Exists(path))
            {
                try
                {
                    foreach (var logLine in ProcessLog.Read(path).OutputLines)
                    {
                        var seconds = (logLine.Elapsed ?? TimeSpan.Zero).TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
                        text.Append('#').Append(n).Append(' ').Append(seconds).Append(' ').Append(logLine.Text).Append('\n');
                    }
                }
                catch (BriocheJobException)
                {
                    text.Append('#').Append(n).Append(" (log unreadable)\n");
                }
            }

            var took = job.Duration is { } d ? d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s" : "?";
            if (job.Result == RunResult.Failed)
            {
                text.Append('#').Append(n).Append(" ERROR: ").Append(job.Message ?? (job.ExitCode is { } code ? $"exit code: {code}" : "failed")).Append('\n');
            }
            else if (job.State == RunState.Cancelled)
            {
                text.Append('#').Append(n).Append(" CANCELED\n");
            }
            else
            {
                text.Append('#').Append(n).Append(" DONE ").Append(took).Append('\n');
            }
        }

        return text.ToString();
    }
}
