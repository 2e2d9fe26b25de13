using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BriocheJob.BuildKit;

/// <summary>
/// The JSON form of a trace for <c>trace --json</c>:
/// <c>{"vertices":[{"digest","name","inputs","cached","error","startedAt","completedAt","stdout","stderr"}],"error","imageId"}</c>.
/// Nulls are written, so every key is always present; times are ISO-8601 UTC with milliseconds.
/// </summary>
public static class BuildTraceJson
{
    public static BuildTraceDocument ToDocument(BuildTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var vertices = new List<BuildTraceVertexDocument>(trace.Vertices.Count);
        foreach (var vertex in trace.Vertices)
        {
            vertices.Add(new BuildTraceVertexDocument(
                vertex.Digest,
                vertex.Name,
                vertex.Inputs.ToArray(),
                vertex.Cached,
                vertex.Error,
                Milliseconds(vertex.Started),
                Milliseconds(vertex.Completed),
                vertex.Stdout,
                vertex.Stderr));
        }
        return new BuildTraceDocument(vertices, trace.Error, trace.ImageId);
    }

    /// <summary>UTC ISO-8601 with exactly three decimals, as every other JSON time we print.</summary>
    private static string? Milliseconds(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static async Task WriteAsync(BuildTrace trace, Stream output, bool indented = true,
        CancellationToken cancellationToken = default)
    {
        await JsonSerializer.SerializeAsync(output, ToDocument(trace), TypeInfo(indented), cancellationToken)
            .ConfigureAwait(false);
    }

    public static string ToJson(BuildTrace trace, bool indented = true) =>
        JsonSerializer.Serialize(ToDocument(trace), TypeInfo(indented));

    private static readonly BuildTraceJsonContext Indented = new(Options(true));
    private static readonly BuildTraceJsonContext Compact = new(Options(false));

    private static System.Text.Json.Serialization.Metadata.JsonTypeInfo<BuildTraceDocument> TypeInfo(bool indented) =>
        (indented ? Indented : Compact).BuildTraceDocument;

    // Log text is for people reading a terminal: keep non-ASCII and shell characters as they are.
    private static JsonSerializerOptions Options(bool indented) => new()
    {
        WriteIndented = indented,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

public sealed record BuildTraceDocument(
    [property: JsonPropertyName("vertices")] IReadOnlyList<BuildTraceVertexDocument> Vertices,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("imageId")] string? ImageId);

public sealed record BuildTraceVertexDocument(
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("inputs")] IReadOnlyList<string> Inputs,
    [property: JsonPropertyName("cached")] bool Cached,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("startedAt")] string? StartedAt,
    [property: JsonPropertyName("completedAt")] string? CompletedAt,
    [property: JsonPropertyName("stdout")] string Stdout,
    [property: JsonPropertyName("stderr")] string Stderr);

[JsonSerializable(typeof(BuildTraceDocument))]
internal sealed partial class BuildTraceJsonContext : JsonSerializerContext;
