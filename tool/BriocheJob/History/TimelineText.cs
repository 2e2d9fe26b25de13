using System.Text;
using BriocheJob.Jobs;
using BriocheJob.Store;

namespace BriocheJob.History;

/// <summary>
/// <c>builds timeline</c>: a Gantt chart, one row per job in start order, bars scaled to the width. Each kind of bar
/// has its own character, so the chart reads without colour too: <c>=</c> ran, <c>#</c> on the critical path,
/// <c>X</c> failed, <c>.</c> cached; with colour, failed is red, cached grey and the critical path yellow.
/// </summary>
public static class TimelineText
{
    public const int DefaultWidth = 80;
    private const int MinimumBar = 10;
    private const string Red = "\u001b[31m", Grey = "\u001b[90m", Yellow = "\u001b[33;1m", Green = "\u001b[32m", Reset = "\u001b[0m";

    public static string Render(BuildAnalysis analysis, IJobStore store, int width, bool colour)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        width = Math.Max(width, 40);
        IReadOnlyDictionary<string, string> shortIds = analysis.ShortJobIds(store);
        int idWidth = analysis.Jobs.Count == 0 ? 8 : analysis.Jobs.Max(v => shortIds[v.Job.Id].Length);
        const int durationWidth = 8;
        int nameWidth = Math.Clamp(width / 4, 8, 32);
        int barWidth = width - (2 + idWidth + 1 + nameWidth + 1 + 2 + durationWidth);
        if (barWidth < MinimumBar)
        {
            nameWidth = Math.Max(4, nameWidth - (MinimumBar - barWidth));
            barWidth = Math.Max(MinimumBar, width - (2 + idWidth + 1 + nameWidth + 1 + 2 + durationWidth));
        }

        double span = Math.Max(1, analysis.Stats.WallMs);
        var text = new StringBuilder();
        BuildRecord b = analysis.Build;
        text.Append($"build {b.Id}  {JobDisplay.Outcome(b.State, b.Result)}, {JobDisplay.Duration(TimeSpan.FromMilliseconds(analysis.Stats.WallMs))} wall, {Counted.Of(analysis.Jobs.Count, "job")}\n");
        text.Append(Paint("=", Green, colour)).Append(" ran  ")
            .Append(Paint("#", Yellow, colour)).Append(" critical path  ")
            .Append(Paint("X", Red, colour)).Append(" failed  ")
            .Append(Paint(".", Grey, colour)).Append(" cached");
        text.Append('\n');
        if (analysis.CriticalPath.Count > 0)
        {
            text.Append("* critical path, ").Append(BuildAnalysis.MethodText(analysis.Method)).Append('\n');
        }

        string padding = new(' ', 2 + idWidth + 1 + nameWidth + 1);
        string end = JobDisplay.Duration(TimeSpan.FromMilliseconds(analysis.Stats.WallMs));
        text.Append(padding).Append('|').Append("0".PadRight(Math.Max(1, barWidth - end.Length))).Append(end).Append('|').Append('\n');
        foreach (JobView v in analysis.Jobs)
        {
            JobRecord job = v.Job;
            bool critical = analysis.CriticalIds.Contains(job.Id);
            (char glyph, string paint) = job.Result == RunResult.Failed ? ('X', Red)
                : job.Cached ? ('.', Grey)
                : critical ? ('#', Yellow)
                : ('=', Green);
            double startMs = Math.Max(0, (job.StartedAt - analysis.Origin).TotalMilliseconds);
            double stopMs = Math.Max(startMs, ((job.StoppedAt ?? analysis.End) - analysis.Origin).TotalMilliseconds);
            int from = Math.Clamp((int)Math.Floor(startMs / span * barWidth), 0, barWidth - 1);
            int to = Math.Clamp((int)Math.Ceiling(stopMs / span * barWidth), from + 1, barWidth);
            text.Append(critical ? "* " : "  ");
            string shortId = shortIds[job.Id];
            text.Append(shortId).Append(' ', idWidth - shortId.Length + 1);
            // Names are data: their control characters are escaped here, since painted output bypasses the escaping writer.
            string name = JobDisplay.Truncate(TerminalText.Escape(job.Name ?? ""), nameWidth);
            text.Append(name).Append(' ', Math.Max(0, nameWidth - name.Length) + 1);
            text.Append('|').Append(' ', from);
            if (colour)
            {
                text.Append(paint);
            }

            text.Append(glyph, to - from);
            if (colour)
            {
                text.Append(Reset);
            }

            text.Append(' ', barWidth - to).Append('|');
            text.Append(' ').Append(JobDisplay.Duration(job.Duration));
            TrimEnd(text);
            text.Append('\n');
        }

        return text.ToString();
    }

    private static void TrimEnd(StringBuilder text)
    {
        int end = text.Length;
        while (end > 0 && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        text.Length = end;
    }

    private static string Paint(string text, string colour, bool enabled) => enabled ? colour + text + Reset : text;
}
