using System.Buffers;
using System.Runtime.InteropServices;
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

    private readonly LogTail? _tail;
    private string _name = "";
    private byte[]? _nameUtf8;
    private string? _error;
    private byte[]? _errorUtf8;
    private byte[][] _inputsUtf8 = [];

    internal TraceVertex(int number, string digest, TraceLogRetention retention = TraceLogRetention.All)
    {
        Number = number;
        Digest = digest;
        Retention = retention;
        if (retention == TraceLogRetention.Tail)
        {
            _tail = new LogTail();
        }
    }

    /// <summary>Whether this step keeps all its output (<see cref="TraceLogRetention.All"/>) or only a bounded tail.</summary>
    public TraceLogRetention Retention { get; }

    /// <summary>Output bytes received on stdout, whether kept or not.</summary>
    public long StdoutLength { get; internal set; }

    /// <summary>Output bytes received on stderr, whether kept or not.</summary>
    public long StderrLength { get; internal set; }

    public bool HasOutput => StdoutLength + StderrLength > 0;

    /// <summary>1-based position in first-seen order: the <c>#N</c> of plain progress output.</summary>
    public int Number { get; }

    public string Digest { get; }

    public string Name
    {
        get => _name;
        internal set
        {
            _name = value;
            _nameUtf8 = null;
        }
    }

    public IReadOnlyList<string> Inputs => _inputs;

    /// <summary>Sticky: once BuildKit says the step came from cache, it stays cached.</summary>
    public bool Cached { get; internal set; }

    /// <summary>The earliest start reported; never cleared once known.</summary>
    public DateTimeOffset? Started { get; internal set; }

    /// <summary>The latest completion reported; never cleared once known.</summary>
    public DateTimeOffset? Completed { get; internal set; }

    /// <summary>Sticky: the latest non-empty error BuildKit reported for this step; null when it did not fail.</summary>
    public string? Error
    {
        get => _error;
        internal set
        {
            _error = value;
            _errorUtf8 = null;
        }
    }

    // Engine updates resend a step's name, inputs and error unchanged: compare the bytes and make a string only on change.
    /// <summary>Returns whether the name changed.</summary>
    internal bool SetName(ReadOnlySpan<byte> utf8)
    {
        if (Changed(ref _nameUtf8, utf8) is not { } name)
        {
            return false;
        }

        _name = name;
        return true;
    }

    /// <summary>Returns whether the error changed.</summary>
    internal bool SetError(ReadOnlySpan<byte> utf8)
    {
        if (Changed(ref _errorUtf8, utf8) is not { } error)
        {
            return false;
        }

        _error = error;
        return true;
    }

    /// <summary>Returns whether the inputs changed.</summary>
    internal bool SetInputs(byte[] buffer, List<StatusResponseReader.Span> all, int start, int count)
    {
        bool same = _inputsUtf8.Length == count && _inputs.Count == count;
        for (int i = 0; same && i < count; i++)
        {
            same = buffer.AsSpan(all[start + i].Start, all[start + i].Length).SequenceEqual(_inputsUtf8[i]);
        }

        if (same)
        {
            return false;
        }

        _inputs.Clear();
        _inputsUtf8 = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            var bytes = buffer.AsSpan(all[start + i].Start, all[start + i].Length);
            _inputsUtf8[i] = bytes.ToArray();
            _inputs.Add(Encoding.UTF8.GetString(bytes));
        }
        return true;
    }

    internal void ForgetInputBytes() => _inputsUtf8 = [];

    /// <summary>
    /// Vertex messages, as received, that change nothing in this step's current state (engine streams resend each
    /// step's few states over and over). Emptied whenever a message changes the step.
    /// </summary>
    private byte[][] _noOpMessages = [];
    private int _noOpCount;
    private const int MaxNoOpMessages = 4;

    internal bool IsNoOpVertexMessage(ReadOnlySpan<byte> message)
    {
        for (int i = 0; i < _noOpCount; i++)
        {
            if (message.SequenceEqual(_noOpMessages[i]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Notes a Vertex message just applied: after it, it changes nothing (applying one is idempotent).</summary>
    internal void NoteVertexMessage(ReadOnlySpan<byte> message, bool changed)
    {
        if (changed)
        {
            _noOpCount = 0;
        }
        else if (IsNoOpVertexMessage(message))
        {
            return;
        }

        if (_noOpMessages.Length == 0)
        {
            _noOpMessages = new byte[MaxNoOpMessages][];
        }

        if (_noOpCount == MaxNoOpMessages)
        {
            // The oldest goes; its array moves to the end, to be reused.
            var oldest = _noOpMessages[0];
            Array.Copy(_noOpMessages, 1, _noOpMessages, 0, MaxNoOpMessages - 1);
            _noOpMessages[MaxNoOpMessages - 1] = oldest;
            _noOpCount--;
        }

        int slot = _noOpCount++;
        if (_noOpMessages[slot] is { } reused && reused.Length == message.Length)
        {
            message.CopyTo(reused);
        }
        else
        {
            _noOpMessages[slot] = message.ToArray();
        }
    }

    internal void ForgetVertexMessages() => _noOpCount = 0;

    /// <summary>The new string when <paramref name="utf8"/> differs from <paramref name="known"/> (which it then replaces); else null.</summary>
    internal static string? Changed(ref byte[]? known, ReadOnlySpan<byte> utf8)
    {
        if (known is not null && utf8.SequenceEqual(known))
        {
            return null;
        }

        known = utf8.ToArray();
        return Encoding.UTF8.GetString(utf8);
    }

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

    /// <summary>
    /// Complete lines of stdout and stderr in arrival order, each stamped with the time its first byte arrived.
    /// With <see cref="TraceLogRetention.Tail"/>, only the lines of the last <see cref="LogTail.Capacity"/> bytes or so
    /// (each stamped with the time of the chunk it starts in).
    /// </summary>
    public IReadOnlyList<TraceLogLine> Lines => _tail is null ? _lines : _tail.Lines(Finished);

    /// <summary>Set by <see cref="BuildKitTraceDecoder.Finish"/>: unfinished last lines count as lines from then on.</summary>
    internal bool Finished { get; set; }

    internal LogTail? Tail => _tail;

    /// <summary>Sub-task progress (layer pulls, export steps), one entry per status id, latest values.</summary>
    public IReadOnlyList<TraceStatus> Statuses => _statuses;

    internal LogStreamBuffer StdoutBuffer { get; } = new(1);

    internal LogStreamBuffer StderrBuffer { get; } = new(2);

    /// <summary>Every stdout byte, exactly as received (empty with <see cref="TraceLogRetention.Tail"/>).</summary>
    public ReadOnlyMemory<byte> StdoutBytes => StdoutBuffer.Bytes;

    /// <summary>Every stderr byte, exactly as received (empty with <see cref="TraceLogRetention.Tail"/>).</summary>
    public ReadOnlyMemory<byte> StderrBytes => StderrBuffer.Bytes;

    /// <summary>The full stdout text (invalid UTF-8 replaced; empty with <see cref="TraceLogRetention.Tail"/>).</summary>
    public string Stdout => StdoutBuffer.Text;

    /// <summary>The full stderr text (invalid UTF-8 replaced; empty with <see cref="TraceLogRetention.Tail"/>).</summary>
    public string Stderr => StderrBuffer.Text;

    internal List<string> MutableInputs => _inputs;

    internal List<TraceLogLine> MutableLines => _lines;

    internal List<TraceStatus> MutableStatuses => _statuses;

    public override string ToString() => $"#{Number} {Name}";
}

/// <summary>How much of each step's output the decoder keeps.</summary>
public enum TraceLogRetention
{
    /// <summary>Every byte and every line (the trace renderers, tests).</summary>
    All,

    /// <summary>
    /// Only a bounded tail of each step (for its last lines); the bytes go to
    /// <see cref="IBuildTraceObserver.OnLogChunk"/> as they arrive and no line event is raised. Recording uses this.
    /// </summary>
    Tail,
}

/// <summary>One complete output line of a step. <see cref="Stream"/>: 1 stdout, 2 stderr.</summary>
public sealed record TraceLogLine(int Stream, DateTimeOffset? Timestamp, string Text);

/// <summary>Latest state of one vertex status (a sub-task of a step).</summary>
public sealed class TraceStatus
{
    private string _name = "";
    private byte[]? _nameUtf8;

    internal TraceStatus(string id, byte[]? idUtf8 = null)
    {
        Id = id;
        IdUtf8 = idUtf8;
    }

    public string Id { get; }

    /// <summary>The id's bytes as received, when it came in place.</summary>
    internal byte[]? IdUtf8 { get; }

    public string Name
    {
        get => _name;
        internal set
        {
            _name = value;
            _nameUtf8 = null;
        }
    }

    internal void SetName(ReadOnlySpan<byte> utf8) => _name = TraceVertex.Changed(ref _nameUtf8, utf8) ?? _name;

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

/// <summary>
/// The last <see cref="Capacity"/> bytes of a step's output, both streams in arrival order, in one ring of at most
/// <see cref="Capacity"/> bytes; lines are only made from it when asked for.
/// </summary>
internal sealed class LogTail
{
    // What the tail is for: a failed step's last lines in the build error (DockerBuild shows 5), whose full log is
    // recorded elsewhere. 8 KiB holds those lines unless they average over 1.6 KiB, and every step's ring together
    // stays small enough to remain in cache as chunks are copied in: with 50 steps logging at once, 16 KiB rings cost
    // the decoder 10% more time and 64 KiB rings 20%.
    public const int Capacity = 8 * 1024;
    private const int MaxSegments = 4096;

    private byte[] _bytes = [];
    // Positions count every byte ever appended; byte p lies at p % _bytes.Length (the ring only wraps once full size).
    private long _written;
    private int _length;
    private readonly List<Segment> _segments = [];
    private int _firstSegment; // _segments before it are forgotten
    private bool _cutStdout;
    private bool _cutStderr;
    private List<TraceLogLine>? _lines;
    private bool _linesFinished;

    /// <summary>Bytes held now (for memory checks).</summary>
    public int HeldBytes => _bytes.Length;

    public void Append(int stream, DateTimeOffset? timestamp, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        _lines = null;
        if (data.Length >= Capacity)
        {
            Drop(_length);
            Cut(stream);
            data = data[^Capacity..];
        }
        else if (_segments.Count - _firstSegment >= MaxSegments)
        {
            Drop(Math.Max(_length + data.Length - Capacity, _length / 2));
        }
        else if (_length + data.Length > Capacity)
        {
            Drop(_length + data.Length - Capacity);
        }

        if (_bytes.Length < Capacity && _written + data.Length > _bytes.Length)
        {
            // Until the ring is full size nothing wrapped: every position is its own index.
            var larger = new byte[Math.Min(Capacity, Math.Max(Math.Max(4096, _bytes.Length * 4), (int)_written + data.Length))];
            _bytes.AsSpan(0, (int)_written).CopyTo(larger);
            _bytes = larger;
        }

        int at = (int)(_written % _bytes.Length);
        int first = Math.Min(data.Length, _bytes.Length - at);
        data[..first].CopyTo(_bytes.AsSpan(at));
        data[first..].CopyTo(_bytes);
        // Consecutive chunks of one stream share a segment, so the segment count stays at the stream switches.
        var segments = CollectionsMarshal.AsSpan(_segments);
        if (segments.Length > _firstSegment && segments[^1].Stream == stream)
        {
            segments[^1].Length += data.Length;
        }
        else
        {
            _segments.Add(new Segment(stream, timestamp, _written, data.Length));
        }

        _written += data.Length;
        _length += data.Length;
    }

    private void Cut(int stream)
    {
        if (stream == 2)
        {
            _cutStderr = true;
        }
        else
        {
            _cutStdout = true;
        }
    }

    /// <summary>Forgets the oldest <paramref name="count"/> bytes held.</summary>
    private void Drop(int count)
    {
        if (count <= 0)
        {
            return;
        }

        long start = _written - _length + count;
        var segments = CollectionsMarshal.AsSpan(_segments);
        while (_firstSegment < segments.Length && segments[_firstSegment].Start + segments[_firstSegment].Length <= start)
        {
            Cut(segments[_firstSegment].Stream);
            _firstSegment++;
        }

        if (_firstSegment < segments.Length && segments[_firstSegment].Start < start)
        {
            ref var first = ref segments[_firstSegment];
            Cut(first.Stream);
            first.Length -= (int)(start - first.Start);
            first.Start = start;
        }

        // Forgotten segments are removed in bulk, not one by one from the front of the list.
        if (_firstSegment >= 64 && _firstSegment * 2 >= _segments.Count)
        {
            _segments.RemoveRange(0, _firstSegment);
            _firstSegment = 0;
        }

        _length -= count;
    }

    /// <summary>The complete lines held, in the order they completed; with <paramref name="finished"/>, then each stream's unfinished line.</summary>
    public IReadOnlyList<TraceLogLine> Lines(bool finished)
    {
        if (_lines is not null && _linesFinished == finished)
        {
            return _lines;
        }

        var lines = new List<TraceLogLine>();
        var partial = new PartialLine[] { new(_cutStdout), new(_cutStderr) };
        for (int i = _firstSegment; i < _segments.Count; i++)
        {
            var segment = _segments[i];
            var current = partial[segment.Stream == 2 ? 1 : 0];
            int at = (int)(segment.Start % _bytes.Length);
            int first = Math.Min(segment.Length, _bytes.Length - at);
            AddLines(lines, segment, current, _bytes.AsSpan(at, first));
            AddLines(lines, segment, current, _bytes.AsSpan(0, segment.Length - first));
        }

        if (finished)
        {
            for (int stream = 0; stream < 2; stream++)
            {
                if (partial[stream].Bytes.Count > 0 && !partial[stream].SkipFirst)
                {
                    lines.Add(MakeLine(stream + 1, partial[stream]));
                }
            }
        }

        _linesFinished = finished;
        return _lines = lines;
    }

    /// <summary>Adds the lines that <paramref name="data"/> (a piece of <paramref name="segment"/>) completes; keeps its unfinished end.</summary>
    private static void AddLines(List<TraceLogLine> lines, Segment segment, PartialLine current, ReadOnlySpan<byte> data)
    {
        int newline;
        while ((newline = data.IndexOf((byte)'\n')) >= 0)
        {
            current.Timestamp ??= segment.Timestamp;
            current.Bytes.AddRange(data[..newline]);
            if (!current.SkipFirst)
            {
                lines.Add(MakeLine(segment.Stream == 2 ? 2 : 1, current));
            }

            current.SkipFirst = false;
            current.Bytes.Clear();
            current.Timestamp = null;
            data = data[(newline + 1)..];
        }

        if (!data.IsEmpty)
        {
            current.Timestamp ??= segment.Timestamp;
            current.Bytes.AddRange(data);
        }
    }

    private static TraceLogLine MakeLine(int stream, PartialLine line)
    {
        var bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(line.Bytes);
        if (!bytes.IsEmpty && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        return new TraceLogLine(stream, line.Timestamp, Encoding.UTF8.GetString(bytes));
    }

    // Mutable, to be changed in place in the list (a segment grows at its end and is cut at its start).
    private record struct Segment(int Stream, DateTimeOffset? Timestamp, long Start, int Length);

    private sealed class PartialLine(bool skipFirst)
    {
        public bool SkipFirst { get; set; } = skipFirst;
        public DateTimeOffset? Timestamp { get; set; }
        public List<byte> Bytes { get; } = [];
    }
}
