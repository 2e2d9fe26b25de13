using System.Globalization;
using BriocheJob.Diagnostics;

namespace BriocheJob.BuildKit;

/// <summary>
/// Writes a trace as a timeline in the style of <c>docker build --progress=plain</c>, one step after another:
/// <c>#N [stage 1/2] RUN …</c>, <c>#N 0.123 output line</c>, <c>#N DONE 0.5s</c>, <c>#N CACHED</c>, <c>#N ERROR: …</c>,
/// then warnings and the build's error.
/// </summary>
public static class BuildTracePlainRenderer
{
    public static void Write(BuildTrace trace, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var vertex in trace.Vertices)
        {
            WriteVertex(vertex, output);
        }

        foreach (var warning in trace.Warnings)
        {
            string where = warning.SourceFile is null ? ""
                : warning.StartLine is { } line ? $" ({warning.SourceFile}:{line})" : $" ({warning.SourceFile})";
            output.WriteLine($"WARNING: {warning.Short.TrimEnd()}{where}");
            foreach (var detail in warning.Details)
            {
                output.WriteLine($"  {detail.TrimEnd()}");
            }

            if (warning.Url is not null)
            {
                output.WriteLine($"  More info: {warning.Url}");
            }
        }

        if (trace.Error is { } error)
        {
            output.WriteLine($"ERROR: {error}");
        }

        if (trace.Malformed.Total > 0)
        {
            output.WriteLine($"{Catalog.BuildKit.MalformedRecordsSkipped}: {Catalog.BuildKit.MalformedRecordsSkipped.Message(trace.Malformed, trace.Malformed.FirstProblem)}");
        }
    }

    public static string ToText(BuildTrace trace)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(trace, writer);
        return writer.ToString();
    }

    private static void WriteVertex(TraceVertex vertex, TextWriter output)
    {
        string prefix = "#" + vertex.Number.ToString(CultureInfo.InvariantCulture);
        output.WriteLine($"{prefix} {(vertex.Name.Length > 0 ? vertex.Name : vertex.Digest)}");

        foreach (var status in vertex.Statuses)
        {
            string label = status.Name.Length > 0 ? status.Name : status.Id;
            string amount = status.Total > 0 ? $" {status.Current}/{status.Total}" : status.Current > 0 ? $" {status.Current}" : "";
            string done = status.Completed is not null ? " done" : "";
            output.WriteLine($"{prefix} {label}{amount}{done}");
        }

        DateTimeOffset? origin = vertex.Started ?? FirstTimestamp(vertex);
        foreach (var line in vertex.Lines)
        {
            double offset = origin is { } o && line.Timestamp is { } t ? Math.Max(0, (t - o).TotalSeconds) : 0;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix} {offset:0.000} {line.Text}"));
        }

        if (vertex.Cached)
        {
            output.WriteLine($"{prefix} CACHED");
        }

        if (vertex.Error is { } error)
        {
            output.WriteLine($"{prefix} ERROR: {error}");
        }
        else if (!vertex.Cached && vertex.Duration is { } duration)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix} DONE {duration.TotalSeconds:0.0}s"));
        }
        else if (!vertex.Cached && vertex.IsCompleted)
        {
            output.WriteLine($"{prefix} DONE");
        }

        output.WriteLine();
    }

    private static DateTimeOffset? FirstTimestamp(TraceVertex vertex)
    {
        foreach (var line in vertex.Lines)
        {
            if (line.Timestamp is not null)
            {
                return line.Timestamp;
            }
        }

        return null;
    }
}
