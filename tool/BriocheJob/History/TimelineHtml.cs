using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BriocheJob.Brioche;
using BriocheJob.Jobs;
using BriocheJob.Store;

namespace BriocheJob.History;

/// <summary>One job of the HTML timeline's embedded data: what hover and click show.</summary>
public sealed record TimelineJobJson(
    string Id,
    string? Name,
    string Project,
    string Result,
    long OffsetMs,
    long? DurationMs,
    bool Cached,
    bool Critical,
    string? Location,
    IReadOnlyList<string> LastLines);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(IReadOnlyList<TimelineJobJson>))]
internal sealed partial class TimelineJsonContext : JsonSerializerContext;

/// <summary>
/// <c>builds timeline --html</c>: one self-contained page, with no network at all (inline CSS, SVG and script, and
/// a Content-Security-Policy that forbids every fetch). The Gantt chart has one row per job: failed red, cached grey,
/// the critical path highlighted; hover shows name, result, duration and Dockerfile line or stack frame; a click
/// shows the job's last log lines.
/// </summary>
public static class TimelineHtml
{
    public const int LastLines = 20;
    private const int RowHeight = 22, LabelWidth = 360, ChartWidth = 900, Top = 30;

    public static string Render(BuildAnalysis analysis, int lastLines = LastLines)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        BuildRecord b = analysis.Build;
        double span = Math.Max(1, analysis.Stats.WallMs);
        var data = new List<TimelineJobJson>();
        var svg = new StringBuilder();
        int height = Top + (analysis.Jobs.Count * RowHeight) + 10;
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg id=\"chart\" width=\"{LabelWidth + ChartWidth + 20}\" height=\"{height}\" role=\"img\" aria-label=\"timeline\">");
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{LabelWidth}\" y1=\"{Top - 6}\" x2=\"{LabelWidth + ChartWidth}\" y2=\"{Top - 6}\"/>");
        for (int tick = 0; tick <= 4; tick++)
        {
            double x = LabelWidth + (ChartWidth * tick / 4.0);
            string label = JobDisplay.Duration(TimeSpan.FromMilliseconds(analysis.Stats.WallMs * tick / 4.0));
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{x:0.#}\" y=\"{Top - 10}\" text-anchor=\"middle\">{Escape(label)}</text>");
        }

        int row = 0;
        foreach (JobView v in analysis.Jobs)
        {
            JobRecord job = v.Job;
            bool critical = analysis.CriticalIds.Contains(job.Id);
            long offset = analysis.OffsetMs(job);
            double startMs = Math.Max(0, offset);
            double stopMs = Math.Max(startMs, ((job.StoppedAt ?? analysis.End) - analysis.Origin).TotalMilliseconds);
            double x = LabelWidth + (startMs / span * ChartWidth);
            double w = Math.Max(2, (stopMs - startMs) / span * ChartWidth);
            int y = Top + (row * RowHeight);
            string cls = "job" + (job.Result == RunResult.Failed ? " failed" : "") + (job.Cached ? " cached" : "")
                         + (critical ? " critical" : "") + (job.Result is null ? " unfinished" : "");
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"{cls}\" data-index=\"{row}\">");
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"band\" x=\"0\" y=\"{y}\" width=\"{LabelWidth + ChartWidth + 20}\" height=\"{RowHeight}\"/>");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text class=\"label\" x=\"6\" y=\"{y + 15}\">{(critical ? "\u2605 " : "")}{Escape(JobDisplay.Truncate(job.Name ?? job.Id, 52))}</text>");
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect class=\"bar\" x=\"{x:0.##}\" y=\"{y + 4}\" width=\"{w:0.##}\" height=\"{RowHeight - 8}\" rx=\"3\"/>");
            svg.Append("</g>");
            data.Add(new TimelineJobJson(
                job.Id,
                job.Name,
                JobDisplay.ProjectName(v.Project),
                JobDisplay.Outcome(job),
                offset,
                job.Duration is { } d ? (long)d.TotalMilliseconds : null,
                job.Cached,
                critical,
                StepMeta.Of(job).Location,
                ReadLastLines(job.LocalPath, lastLines)));
            row++;
        }

        svg.Append("</svg>");
        // The default encoder escapes <, > and &, so the data cannot close its script element.
        string json = JsonSerializer.Serialize<IReadOnlyList<TimelineJobJson>>(data, TimelineJsonContext.Default.IReadOnlyListTimelineJobJson);
        string title = $"Build {b.Id} timeline";
        string stats = string.Create(CultureInfo.InvariantCulture,
            $"{JobDisplay.Outcome(b.State, b.Result)} · {JobDisplay.Duration(TimeSpan.FromMilliseconds(analysis.Stats.WallMs))} wall · {JobDisplay.Duration(TimeSpan.FromMilliseconds(analysis.Stats.JobMs))} of jobs · parallelism {analysis.Stats.Parallelism:0.00} · {analysis.Stats.CachedJobs} of {analysis.Stats.JobCount} cached · critical path {BuildAnalysis.MethodText(analysis.Method)}");
        return Page.Replace("{{title}}", Escape(title), StringComparison.Ordinal)
            .Replace("{{stats}}", Escape(stats), StringComparison.Ordinal)
            .Replace("{{svg}}", svg.ToString(), StringComparison.Ordinal)
            .Replace("{{data}}", json, StringComparison.Ordinal);
    }

    private static IReadOnlyList<string> ReadLastLines(string? path, int count)
    {
        if (count <= 0 || string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return [];
        }

        try
        {
            ProcessLog log = ProcessLog.Read(path, new ProcessLogOptions { Tail = count });
            return log.Lines.Where(l => l.Kind != LogLineKind.StackFrame).Select(l => l.Render()).ToList();
        }
        catch (Exception e) when (e is BriocheJobException or IOException)
        {
            return [$"(the log cannot be read: {e.Message})"];
        }
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private const string Page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
        <title>{{title}}</title>
        <style>
        body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #222; background: #fff; }
        h1 { font-size: 17px; margin: 0 0 4px; }
        p.stats { margin: 0 0 10px; color: #555; }
        .legend span { display: inline-block; margin-right: 14px; }
        .legend i { display: inline-block; width: 14px; height: 10px; margin-right: 4px; border-radius: 2px; vertical-align: middle; }
        #chart { display: block; }
        .axis { stroke: #999; }
        .tick { font-size: 11px; fill: #666; }
        .band { fill: transparent; }
        .job:hover .band { fill: #eef3ff; }
        .job.selected .band { fill: #dde7ff; }
        .label { font-size: 12px; fill: #222; }
        .bar, .legend .ran { fill: #3b82f6; background: #3b82f6; }
        .job.cached .bar, .legend .cached { fill: #a3a3a3; background: #a3a3a3; }
        .job.failed .bar, .legend .failed { fill: #dc2626; background: #dc2626; }
        .job.critical .bar { stroke: #f59e0b; stroke-width: 3; }
        .legend .critical { background: #fff; border: 3px solid #f59e0b; width: 10px; height: 6px; }
        .job.critical .label { font-weight: bold; }
        .job { cursor: pointer; }
        #tip { position: fixed; pointer-events: none; background: #111; color: #fff; padding: 6px 8px; border-radius: 4px; font-size: 12px; max-width: 520px; white-space: pre-wrap; }
        #log { margin-top: 14px; }
        #log h2 { font-size: 14px; margin: 0 0 4px; }
        #log pre { background: #f6f6f6; border: 1px solid #ddd; padding: 8px; max-height: 320px; overflow: auto; white-space: pre-wrap; margin: 0; }
        </style>
        </head>
        <body>
        <h1>{{title}}</h1>
        <p class="stats">{{stats}}</p>
        <p class="legend"><span><i class="ran"></i>ran</span><span><i class="cached"></i>cached</span><span><i class="failed"></i>failed</span><span><i class="critical"></i>critical path</span></p>
        {{svg}}
        <div id="tip" hidden></div>
        <section id="log"><h2 id="log-title">Click a job to see its last log lines</h2><pre id="log-lines"></pre></section>
        <script id="jobs" type="application/json">{{data}}</script>
        <script>
        (function () {
          "use strict";
          var jobs = JSON.parse(document.getElementById("jobs").textContent);
          var tip = document.getElementById("tip");
          function duration(ms) {
            if (ms === null) { return "unfinished"; }
            if (ms < 1000) { return ms + "ms"; }
            if (ms < 60000) { return (ms / 1000).toFixed(1) + "s"; }
            var m = Math.floor(ms / 60000), s = Math.floor((ms % 60000) / 1000);
            return m + "m" + (s < 10 ? "0" : "") + s + "s";
          }
          function describe(job) {
            return job.name + "\n" + job.result + (job.cached ? " (cached)" : "") + " \u00b7 " + duration(job.durationMs) +
              " \u00b7 starts at +" + duration(Math.max(0, job.offsetMs)) + "\n" + job.project +
              (job.location ? " \u00b7 " + job.location : "") + (job.critical ? "\non the critical path" : "");
          }
          var rows = document.querySelectorAll("g.job");
          rows.forEach(function (row) {
            var job = jobs[Number(row.getAttribute("data-index"))];
            row.addEventListener("mousemove", function (event) {
              tip.textContent = describe(job);
              tip.hidden = false;
              tip.style.left = (event.clientX + 14) + "px";
              tip.style.top = (event.clientY + 14) + "px";
            });
            row.addEventListener("mouseleave", function () { tip.hidden = true; });
            row.addEventListener("click", function () {
              rows.forEach(function (other) { other.classList.remove("selected"); });
              row.classList.add("selected");
              document.getElementById("log-title").textContent = job.name + " (" + job.id + "): last log lines";
              document.getElementById("log-lines").textContent =
                job.lastLines.length ? job.lastLines.join("\n") : "(no log lines recorded)";
            });
          });
        })();
        </script>
        </body>
        </html>
        """;
}
