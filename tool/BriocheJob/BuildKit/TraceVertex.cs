using System.Buffers;
using System.Text;

namespace BriocheJob.BuildKit;

/// <summary>
/// One build step as merged from every update BuildKit sent about it. Owned by the decoder: observers see it
/// change as records arrive; after <see cref="BuildKitTraceDecoder.Finish"/> it no longer changes.
/// </summary>
public sealed class TraceVertex
{
    private readonly List<string> _inputs = [];
    private readonly List<TraceLogLine> _lines = [];
    private readonly List<TraceStatus> _statuses = [];
    private string _parsedNameSource = "";
    private VertexName? _parsedName;

    internal TraceVertex(int number, string digest)
    {
        Number = number;
        Digest = digest;
    }

    /// <summary>1-based position in first-seen order: the <c>#N</c> of plain progress output.</summary>
    public int Number { get; }

    public string Digest { get; }

    public string Name { get; internal set; } = "";

    public IReadOnlyList<string> Inputs => _inputs;

    /// <summary>Sticky: once BuildKit says the step came from cache, it stays cached.</summary>
    public bool Cached { get; internal set; }

    /// <summary>The earliest start reported; never cleared once known.</summary>
    public DateTimeOffset? Started { get; internal set; }

    /// <summary>The latest completion reported; never cleared once known.</summary>
    public DateTimeOffset? Completed { get; internal set; }

    /// <summary>Sticky: the latest non-empty error BuildKit reported for this step; null when it did not fail.</summary>
    public string? Error { get; internal set; }

    public BuildKitProgressGroup? ProgressGroup { get; internal set; }

    /// <summary>The daemon cut this step's output short (<c>[output clipped, log limit … reached]</c>).</summary>
    public bool Clipped { get; internal set; }

    /// <summary>True once a Vertex record named this digest (a log chunk can arrive before it).</summary>
    public bool Announced { get; internal set; }

    public bool IsCompleted => Completed is not null;

    public bool IsFailed => Error is not null;

    public TimeSpan? Duration => Started is { } s && Completed is { } c ? c - s : null;

    /// <summary>Stage, step and instruction parsed from <see cref="Name"/>.</summary>
    public VertexName ParsedName
    {
        get
        {
            if (_parsedName is null || !ReferenceEquals(_parsedNameSource, Name))
            {
                _parsedName = VertexName.Parse(Name);
                _parsedNameSource = Name;
            }
            return _parsedName;
        }
    }

    /// <summary>Exit code of the failed process, when <see cref="Error"/> names one.</summary>
    public int? ExitCode => ProcessFailure.TryParse(Error) is { } failure ? failure.ExitCode : null;

    /// <summary>Complete lines of stdout and stderr in arrival order, each stamped with the time its first byte arrived.</summary>
    public IReadOnlyList<TraceLogLine> Lines => _lines;

    /// <summary>Sub-task progress (layer pulls, export steps), one entry per status id, latest values.</summary>
    public IReadOnlyList<TraceStatus> Statuses => _statuses;

    internal LogStreamBuffer StdoutBuffer { get; } = new(1);

    internal LogStreamBuffer StderrBuffer { get; } = new(2);

    /// <summary>Every stdout byte, exactly as received.</summary>
    public ReadOnlyMemory<byte> StdoutBytes => StdoutBuffer.Bytes;

    /// <summary>Every stderr byte, exactly as received.</summary>
    public ReadOnlyMemory<byte> StderrBytes => StderrBuffer.Bytes;

    /// <summary>The full stdout text (invalid UTF-8 replaced).</summary>
    public string Stdout => StdoutBuffer.Text;

    /// <summary>The full stderr text (invalid UTF-8 replaced).</summary>
    public string Stderr => StderrBuffer.Text;

    internal List<string> MutableInputs => _inputs;

    internal List<TraceLogLine> MutableLines => _lines;

    internal List<TraceStatus> MutableStatuses => _statuses;

    public override string ToString() => $"#{Number} {Name}";
}

/// <summary>One complete output line of a step. <see cref="Stream"/>: 1 stdout, 2 stderr.</summary>
public sealed record TraceLogLine(int Stream, DateTimeOffset? Timestamp, string Text);

/// <summary>Latest state of one vertex status (a sub-task of a step).</summary>
public sealed class TraceStatus
{
    internal TraceStatus(string id) => Id = id;

    public string Id { get; }
    public string Name { get; internal set; } = "";
    public long Current { get; internal set; }
    public long Total { get; internal set; }
    public DateTimeOffset? Timestamp { get; internal set; }
    public DateTimeOffset? Started { get; internal set; }
    public DateTimeOffset? Completed { get; internal set; }
}

/// <summary>A warning BuildKit raised (BuildKit 0.10 and later), e.g. a Dockerfile lint.</summary>
public sealed record TraceWarning(
    string Vertex, long Level, string Short, IReadOnlyList<string> Details, string? Url, string? SourceFile, int? StartLine);

/// <summary>All bytes of one output stream of a step, and where the current unfinished line begins.</summary>
internal sealed class LogStreamBuffer(int stream)
{
    private readonly ArrayBufferWriter<byte> _bytes = new();
    private int _lineStart;
    private DateTimeOffset? _lineTimestamp;
    private string? _text;

    public int Stream { get; } = stream;

    public ReadOnlyMemory<byte> Bytes => _bytes.WrittenMemory;

    public string Text => _text ??= Encoding.UTF8.GetString(_bytes.WrittenSpan);

    /// <summary>Appends a chunk and hands back each line it completes (without the newline or a trailing CR).</summary>
    public void Append(ReadOnlySpan<byte> chunk, DateTimeOffset? timestamp, List<TraceLogLine> completed)
    {
        if (chunk.IsEmpty)
        {
            return;
        }

        _text = null;
        int scanFrom = _bytes.WrittenCount;
        if (_lineStart == scanFrom)
        {
            _lineTimestamp = timestamp;
        }

        chunk.CopyTo(_bytes.GetSpan(chunk.Length));
        _bytes.Advance(chunk.Length);

        var all = _bytes.WrittenSpan;
        int newline;
        while ((newline = all[scanFrom..].IndexOf((byte)'\n')) >= 0)
        {
            int end = scanFrom + newline;
            completed.Add(MakeLine(all[_lineStart..end], _lineTimestamp));
            _lineStart = end + 1;
            scanFrom = _lineStart;
            _lineTimestamp = timestamp;
        }
    }

    /// <summary>Hands back the unfinished last line, if any, as a line of its own.</summary>
    public TraceLogLine? FlushPartial()
    {
        if (_lineStart >= _bytes.WrittenCount)
        {
            return null;
        }

        var line = MakeLine(_bytes.WrittenSpan[_lineStart..], _lineTimestamp);
        _lineStart = _bytes.WrittenCount;
        return line;
    }

    private TraceLogLine MakeLine(ReadOnlySpan<byte> bytes, DateTimeOffset? timestamp)
    {
        if (!bytes.IsEmpty && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        return new TraceLogLine(Stream, timestamp, Encoding.UTF8.GetString(bytes));
    }
}
