namespace BriocheJob.BuildKit;

/// <summary>
/// Live notifications from <see cref="BuildKitTraceDecoder"/>, raised synchronously while a record is fed.
/// Every method has an empty default, so implement only what you need. Each vertex transition fires at most once.
/// For one update the order is: added, started, cached, failed, completed.
/// An exception thrown here is a bug in the observer and propagates out of the Feed call.
/// </summary>
public interface IBuildTraceObserver
{
    /// <summary>A Vertex record named this step for the first time.</summary>
    void OnVertexAdded(TraceVertex vertex) { }

    void OnVertexStarted(TraceVertex vertex) { }

    /// <summary>The step was satisfied from cache.</summary>
    void OnVertexCached(TraceVertex vertex) { }

    /// <summary>The step reported an error (<see cref="TraceVertex.Error"/>, <see cref="TraceVertex.ExitCode"/>).</summary>
    void OnVertexFailed(TraceVertex vertex) { }

    /// <summary>The step finished, whether it succeeded, failed or came from cache.</summary>
    void OnVertexCompleted(TraceVertex vertex) { }

    /// <summary>
    /// An output chunk of a step as it arrived (<paramref name="stream"/>: 1 stdout, 2 stderr), not aligned to lines.
    /// <paramref name="data"/> is only valid during the call: copy or write it, do not keep it.
    /// </summary>
    void OnLogChunk(TraceVertex vertex, int stream, DateTimeOffset? timestamp, ReadOnlySpan<byte> data) { }

    /// <summary>
    /// A full output line of a step (or its unfinished last line, at the end of the trace). Not raised with
    /// <see cref="TraceLogRetention.Tail"/>.
    /// </summary>
    void OnLogLine(TraceVertex vertex, TraceLogLine line) { }

    void OnWarning(TraceWarning warning) { }

    /// <summary>A <c>stream</c> or <c>status</c> line of the Docker Engine stream.</summary>
    void OnBuildMessage(string message) { }

    /// <summary>The Docker Engine's final <c>error</c> line.</summary>
    void OnBuildError(string message) { }

    void OnImageId(string imageId) { }

    /// <summary>A record was skipped because it was malformed.</summary>
    void OnMalformedRecord(MalformedRecordKind kind, string reason) { }
}

/// <summary>Why a record was skipped.</summary>
public enum MalformedRecordKind
{
    /// <summary>A line that is not a JSON object, or a field of the wrong JSON type.</summary>
    Json,
    /// <summary>A base64 payload that does not decode.</summary>
    Base64,
    /// <summary>Bytes that are not a StatusResponse (truncated, bad tag, bad length, bad UTF-8 string).</summary>
    Protobuf,
    /// <summary>A length prefix that is implausible or runs past the end of the input.</summary>
    Framing,
}

/// <summary>How many records were skipped, by reason, and the first reason seen.</summary>
public sealed class MalformedCounts
{
    public long Json { get; internal set; }
    public long Base64 { get; internal set; }
    public long Protobuf { get; internal set; }
    public long Framing { get; internal set; }
    public long Total => Json + Base64 + Protobuf + Framing;

    /// <summary>The first problem, e.g. <c>record 12: bad base64 in aux</c>; null when none.</summary>
    public string? FirstProblem { get; internal set; }

    internal void Add(MalformedRecordKind kind, string reason)
    {
        switch (kind)
        {
            case MalformedRecordKind.Json: Json++; break;
            case MalformedRecordKind.Base64: Base64++; break;
            case MalformedRecordKind.Protobuf: Protobuf++; break;
            default: Framing++; break;
        }
        FirstProblem ??= reason;
    }

    public override string ToString() =>
        $"{Total} malformed (json {Json}, base64 {Base64}, protobuf {Protobuf}, framing {Framing})";
}
