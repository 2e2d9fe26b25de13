using BriocheJob.Diagnostics;

namespace BriocheJob.BuildKit;

/// <summary>The decoded result of a whole BuildKit progress stream.</summary>
public sealed class BuildTrace
{
    internal BuildTrace(
        IReadOnlyList<TraceVertex> vertices,
        IReadOnlyList<TraceWarning> warnings,
        IReadOnlyList<string> messages,
        string? buildError,
        string? imageId,
        long decodedRecords,
        MalformedCounts malformed,
        TraceEncoding encoding)
    {
        Vertices = vertices;
        Warnings = warnings;
        Messages = messages;
        BuildError = buildError;
        ImageId = imageId;
        DecodedRecords = decodedRecords;
        Malformed = malformed;
        Encoding = encoding;
        FailedVertex = FindFailedVertex(vertices);
    }

    /// <summary>Steps in first-seen order.</summary>
    public IReadOnlyList<TraceVertex> Vertices { get; }

    public IReadOnlyList<TraceWarning> Warnings { get; }

    /// <summary>The Docker Engine's <c>stream</c> and <c>status</c> texts, in order.</summary>
    public IReadOnlyList<string> Messages { get; }

    /// <summary>The error the Docker Engine reported for the whole build; null for other encodings or success.</summary>
    public string? BuildError { get; }

    /// <summary>The build's error: the engine's error line, else the failing step's error.</summary>
    public string? Error => BuildError ?? FailedVertex?.Error;

    public string? ImageId { get; }

    /// <summary>Records that decoded (JSON lines, StatusResponses), whatever they held.</summary>
    public long DecodedRecords { get; }

    public MalformedCounts Malformed { get; }

    /// <summary>The encoding read (the one detected, for auto-detection).</summary>
    public TraceEncoding Encoding { get; }

    /// <summary>The step that broke the build: the first with an error other than a cancellation, else the first with any error.</summary>
    public TraceVertex? FailedVertex { get; }

    /// <summary>The failing process's exit code, from the failing step's error or the build error.</summary>
    public int? ExitCode => FailedVertex?.ExitCode ?? ProcessFailure.TryParse(BuildError)?.ExitCode;

    public bool Succeeded => Error is null;

    /// <summary>Throws BJ4003 when the input had records but none of them decoded: it is not a trace at all.</summary>
    public void EnsureIsTrace(string sourceName)
    {
        if (DecodedRecords == 0 && Malformed.Total > 0)
        {
            throw Catalog.BuildKit.NotATrace.Exception(sourceName, Malformed, Malformed.FirstProblem);
        }
    }

    private static TraceVertex? FindFailedVertex(IReadOnlyList<TraceVertex> vertices)
    {
        TraceVertex? firstFailed = null;
        foreach (var vertex in vertices)
        {
            if (vertex.Error is null)
            {
                continue;
            }

            if (!vertex.Error.Contains("context canceled", StringComparison.Ordinal)
                && !vertex.Error.Contains("operation was canceled", StringComparison.Ordinal))
            {
                return vertex;
            }

            firstFailed ??= vertex;
        }
        return firstFailed;
    }
}

/// <summary>The three encodings of BuildKit progress we read.</summary>
public enum TraceEncoding
{
    /// <summary>Decide from the first non-whitespace byte: <c>{</c> means JSON lines, anything else history blobs.</summary>
    Auto,
    /// <summary>Docker Engine <c>/build</c> JSON lines. When selected, buildx rawjson lines are recognised too (by their keys).</summary>
    JsonLines,
    /// <summary><c>docker buildx build --progress=rawjson</c>: JSON lines of client.SolveStatus.</summary>
    RawJson,
    /// <summary>buildx history log blob: u32 little-endian length, then a StatusResponse, repeated.</summary>
    HistoryBlob,
}

/// <summary>User-facing names of <see cref="TraceEncoding"/>.</summary>
public static class TraceEncodingNames
{
    public const string Help = "auto, json (engine /build or rawjson lines), rawjson, history";

    public static TraceEncoding Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => TraceEncoding.Auto,
        "json" or "jsonl" or "engine" or "docker" => TraceEncoding.JsonLines,
        "rawjson" => TraceEncoding.RawJson,
        "history" or "blob" or "protobuf" => TraceEncoding.HistoryBlob,
        _ => throw Catalog.BuildKit.UnknownEncoding.Exception(name, Help),
    };
}
