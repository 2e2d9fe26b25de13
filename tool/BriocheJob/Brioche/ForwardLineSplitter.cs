namespace BriocheJob.Brioche;

/// <summary>Receives output lines (or pieces of long ones) as a splitter completes them.</summary>
internal interface IOutputLineSink
{
    /// <param name="elapsedMilliseconds">Since the job was described, as recorded (not yet relative to the spawn).</param>
    void Line(OutputStream stream, uint elapsedMilliseconds, ReadOnlySpan<byte> text, bool continued);

    /// <summary>
    /// Takes several whole lines at once, each ending in <c>\n</c>, all of one stream and time, none longer than the
    /// line bound: the common case, printed without per-line calls. False when the sink wants them one by one.
    /// </summary>
    bool Lines(OutputStream stream, uint elapsedMilliseconds, ReadOnlySpan<byte> lines) => false;
}

/// <summary>
/// Splits output chunks into lines in bounded memory and hands them on in the order the in-memory log sorts them
/// (<see cref="OutputLineAssembler"/>: by where a line ends; an unterminated last line at its last chunk). A line
/// that waits for its newline is kept up to <see cref="ProcessLogStreamer.MaxLineBytes"/>, then handed on in pieces.
/// Lines of one stream that must wait behind the other stream's open line are held up to a bound; past it the open
/// line is handed on as a piece, so nothing is ever buffered whole.
/// </summary>
internal sealed class ForwardLineSplitter
{
    private readonly IOutputLineSink _sink;
    private readonly int _maxLine;
    private readonly int _holdLimit;
    private readonly Pending[] _pending = [new(), new()];
    private readonly Queue<Held> _held = new();
    private byte[] _arena = [];
    private int _arenaUsed;

    public ForwardLineSplitter(IOutputLineSink sink, int maxLineBytes = ProcessLogStreamer.MaxLineBytes, int holdLimitBytes = ProcessLogStreamer.HoldLimitBytes)
    {
        _sink = sink;
        _maxLine = maxLineBytes;
        _holdLimit = holdLimitBytes;
    }

    /// <summary>Bytes held now (open lines and lines waiting behind the other stream): what the bound applies to.</summary>
    public int BufferedBytes => _pending[0].Length + _pending[1].Length + _arenaUsed;

    private static long Key(long eventIndex, int offset) => OutputLineAssembler.Key(eventIndex, offset);

    public void Add(OutputStream stream, uint elapsed, ReadOnlySpan<byte> data, long eventIndex)
    {
        var pending = _pending[(int)stream];
        var start = 0;
        if (pending.Length == 0 && _held.Count == 0 && _pending[1 - (int)stream].Length == 0)
        {
            // Nothing open or waiting: the chunk's whole lines go out in one call.
            var last = data.LastIndexOf((byte)'\n');
            if (last >= 0 && last <= _maxLine && _sink.Lines(stream, elapsed, data[..(last + 1)]))
            {
                start = last + 1;
            }
        }
        while (true)
        {
            var newline = data[start..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }
            var end = start + newline;
            var key = Key(eventIndex, end);
            if (pending.Length > 0 || end - start > _maxLine)
            {
                Append(stream, pending, data, start, end, elapsed, eventIndex);
                Emit(stream, key, elapsed, pending.Span, continued: false);
                pending.Length = 0;
            }
            else
            {
                Emit(stream, key, elapsed, data[start..end], continued: false);
            }
            start = end + 1;
        }
        if (start < data.Length)
        {
            Append(stream, pending, data, start, data.Length, elapsed, eventIndex);
            pending.Key = Key(eventIndex, data.Length - 1);
            pending.Elapsed = elapsed;
        }
        // This stream's open line moved on: what waited behind it may go.
        Release();
    }

    /// <summary>Hands on what is left: held lines and the unterminated last lines, merged in key order.</summary>
    public void Finish()
    {
        var open = _pending.Select((p, i) => (Pending: p, Stream: (OutputStream)i)).Where(p => p.Pending.Length > 0)
            .OrderBy(p => p.Pending.Key).ToList();
        foreach (var (pending, stream) in open)
        {
            while (_held.TryPeek(out var head) && head.Key < pending.Key)
            {
                WriteHead();
            }
            _sink.Line(stream, pending.Elapsed, pending.Span, continued: false);
            pending.Length = 0;
        }
        while (_held.Count > 0)
        {
            WriteHead();
        }
        _arenaUsed = 0;
    }

    /// <summary>Appends data[start..end) to the open line, handing on full pieces of at most <see cref="_maxLine"/> bytes.</summary>
    private void Append(OutputStream stream, Pending pending, ReadOnlySpan<byte> data, int start, int end, uint elapsed, long eventIndex)
    {
        while (pending.Length + (end - start) > _maxLine)
        {
            var take = _maxLine - pending.Length;
            pending.Append(data.Slice(start, take), _maxLine);
            start += take;
            var cut = CompleteUtf8Length(pending.Span);
            Emit(stream, Key(eventIndex, start - 1), elapsed, pending.Span[..cut], continued: true);
            pending.Shift(cut);
        }
        pending.Append(data[start..end], _maxLine);
    }

    /// <summary>The length of <paramref name="bytes"/> without a UTF-8 sequence cut off at its end (so a piece never splits a character).</summary>
    internal static int CompleteUtf8Length(ReadOnlySpan<byte> bytes)
    {
        var n = bytes.Length;
        for (var back = 1; back <= Math.Min(4, n); back++)
        {
            var c = bytes[n - back];
            if ((c & 0xC0) == 0x80)
            {
                continue;
            }
            var need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return need > back && n - back > 0 ? n - back : n;
        }
        return n;
    }

    private bool Blocked(OutputStream stream, long key)
    {
        var other = _pending[1 - (int)stream];
        return other.Length > 0 && other.Key < key;
    }

    private void Emit(OutputStream stream, long key, uint elapsed, ReadOnlySpan<byte> text, bool continued)
    {
        if (_held.Count == 0 && !Blocked(stream, key))
        {
            _sink.Line(stream, elapsed, text, continued);
            return;
        }
        if (_arena.Length - _arenaUsed < text.Length)
        {
            var bigger = new byte[Math.Max(_arenaUsed + text.Length, Math.Max(4096, _arena.Length * 2))];
            _arena.AsSpan(0, _arenaUsed).CopyTo(bigger);
            _arena = bigger;
        }
        text.CopyTo(_arena.AsSpan(_arenaUsed));
        _held.Enqueue(new Held(stream, key, elapsed, _arenaUsed, text.Length, continued));
        _arenaUsed += text.Length;
        if (_arenaUsed > _holdLimit)
        {
            // The other stream's open line has kept these waiting too long: hand it on as a piece, then them.
            var blocking = _pending[1 - (int)_held.Peek().Stream];
            if (blocking.Length > 0)
            {
                var blockingStream = (OutputStream)(1 - (int)_held.Peek().Stream);
                _sink.Line(blockingStream, blocking.Elapsed, blocking.Span, continued: true);
                blocking.Length = 0;
            }
        }
        Release();
    }

    private void Release()
    {
        while (_held.TryPeek(out var head) && !Blocked(head.Stream, head.Key))
        {
            WriteHead();
        }
        if (_held.Count == 0)
        {
            // The arena is kept: what it holds never passes the hold limit plus one piece (the open line is cut
            // there), so it stays under twice that; dropping it made every long wait grow it anew (megabytes of
            // garbage per wait on a large file).
            _arenaUsed = 0;
        }
    }

    private void WriteHead()
    {
        var head = _held.Dequeue();
        _sink.Line(head.Stream, head.Elapsed, _arena.AsSpan(head.Offset, head.Length), head.Continued);
    }

    private readonly record struct Held(OutputStream Stream, long Key, uint Elapsed, int Offset, int Length, bool Continued);

    private sealed class Pending
    {
        private byte[] _bytes = [];

        public int Length { get; set; }
        public long Key { get; set; }
        public uint Elapsed { get; set; }

        public ReadOnlySpan<byte> Span => _bytes.AsSpan(0, Length);

        public void Append(ReadOnlySpan<byte> data, int max)
        {
            if (_bytes.Length - Length < data.Length)
            {
                var bigger = new byte[Math.Min(max, Math.Max(Length + data.Length, Math.Max(256, _bytes.Length * 2)))];
                _bytes.AsSpan(0, Length).CopyTo(bigger);
                _bytes = bigger;
            }
            data.CopyTo(_bytes.AsSpan(Length));
            Length += data.Length;
        }

        /// <summary>Drops the first <paramref name="count"/> bytes.</summary>
        public void Shift(int count)
        {
            _bytes.AsSpan(count, Length - count).CopyTo(_bytes);
            Length -= count;
        }
    }
}
