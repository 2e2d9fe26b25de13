namespace BriocheJob.Brioche;

/// <summary>
/// The mirror of <see cref="ForwardLineSplitter"/> for reading from the end: chunks come newest first, lines are
/// handed on newest first, in exactly the reverse of the forward order. A line is open from its newline (or, for
/// an unterminated last line, its last chunk) until its start is found; lines of the other stream that complete
/// meanwhile wait behind it, up to a bound. An open line longer than the bound is handed on in pieces, its last
/// piece first; every piece but the line's last is marked continued, as forward.
/// </summary>
internal sealed class BackwardLineSplitter
{
    private readonly IOutputLineSink _sink;
    private readonly int _maxLine;
    private readonly int _holdLimit;
    private readonly Open[] _open = [new(), new()];
    private readonly Queue<Held>[] _held = [new(), new()];
    private byte[] _arena = [];
    private int _arenaUsed;

    public BackwardLineSplitter(IOutputLineSink sink, int maxLineBytes = ProcessLogStreamer.MaxLineBytes, int holdLimitBytes = ProcessLogStreamer.HoldLimitBytes)
    {
        _sink = sink;
        _maxLine = maxLineBytes;
        _holdLimit = holdLimitBytes;
    }

    private static long Key(long eventKey, int offset) => OutputLineAssembler.Key(eventKey, offset);

    /// <param name="eventKey">Any number that grows with the event's position in the file (e.g. its offset).</param>
    public void Add(OutputStream stream, uint elapsed, ReadOnlySpan<byte> data, long eventKey)
    {
        var open = _open[(int)stream];
        if (!open.Seen)
        {
            open.Seen = true;
            if (data[^1] != (byte)'\n')
            {
                open.Start(Key(eventKey, data.Length - 1), elapsed, _maxLine);
            }
        }
        var end = data.Length;
        while (true)
        {
            var newline = data[..end].LastIndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }
            if (open.IsOpen)
            {
                Prepend(stream, open, data[(newline + 1)..end]);
                Complete(stream, open);
            }
            open.Start(Key(eventKey, newline), elapsed, _maxLine);
            end = newline;
        }
        if (open.IsOpen)
        {
            Prepend(stream, open, data[..end]);
        }
    }

    /// <summary>The start of the stream is reached: open lines start there. Hands on everything left.</summary>
    public void Finish()
    {
        for (var s = 0; s < 2; s++)
        {
            if (_open[s].IsOpen)
            {
                Complete((OutputStream)s, _open[s]);
            }
        }
        Release();
    }

    private void Prepend(OutputStream stream, Open open, ReadOnlySpan<byte> bytes)
    {
        while (open.Length + bytes.Length > _maxLine)
        {
            var take = _maxLine - open.Length;
            open.Prepend(bytes[^take..]);
            bytes = bytes[..^take];
            // Leave a character's continuation bytes at the piece's start to the next (earlier) piece.
            var skip = 0;
            while (skip < 3 && skip < open.Length - 1 && (open.Span[skip] & 0xC0) == 0x80)
            {
                skip++;
            }
            Emit(stream, open.Key, open.Elapsed, open.Span[skip..], continued: open.Pieces > 0);
            open.Pieces++;
            open.KeepFirst(skip);
        }
        open.Prepend(bytes);
    }

    private void Complete(OutputStream stream, Open open)
    {
        Emit(stream, open.Key, open.Elapsed, open.Span, continued: open.Pieces > 0);
        open.Close();
    }

    /// <summary>True when the other stream has an open line that ends after <paramref name="key"/> (it prints first).</summary>
    private bool Blocked(OutputStream stream, long key)
    {
        var other = _open[1 - (int)stream];
        return other.IsOpen && !other.Forced && other.Key > key;
    }

    private void Emit(OutputStream stream, long key, uint elapsed, ReadOnlySpan<byte> text, bool continued)
    {
        if (_held[0].Count == 0 && _held[1].Count == 0 && !Blocked(stream, key))
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
        _held[(int)stream].Enqueue(new Held(key, elapsed, _arenaUsed, text.Length, continued));
        _arenaUsed += text.Length;
        if (_arenaUsed > _holdLimit)
        {
            // The other stream's open line keeps too much waiting: hand on what it has as a piece, and stop waiting for it.
            var blockingStream = (OutputStream)(1 - (int)stream);
            var blocking = _open[(int)blockingStream];
            if (blocking.IsOpen && !blocking.Forced)
            {
                Release(untilKey: blocking.Key);
                _sink.Line(blockingStream, blocking.Elapsed, blocking.Span, continued: blocking.Pieces > 0);
                blocking.Pieces++;
                blocking.KeepFirst(0);
                blocking.Forced = true;
            }
        }
        Release();
    }

    /// <summary>Hands on held lines, newest first, while nothing newer can still come; with a key, only those after it.</summary>
    private void Release(long untilKey = long.MinValue)
    {
        while (true)
        {
            var has0 = _held[0].TryPeek(out var h0);
            var has1 = _held[1].TryPeek(out var h1);
            if (!has0 && !has1)
            {
                break;
            }
            var stream = !has1 || has0 && h0.Key > h1.Key ? 0 : 1;
            var head = stream == 0 ? h0 : h1;
            if (head.Key <= untilKey || untilKey == long.MinValue && Blocked((OutputStream)stream, head.Key))
            {
                break;
            }
            _held[stream].Dequeue();
            _sink.Line((OutputStream)stream, head.Elapsed, _arena.AsSpan(head.Offset, head.Length), head.Continued);
        }
        if (_held[0].Count == 0 && _held[1].Count == 0)
        {
            // The arena is kept: what it holds never passes the hold limit plus one piece (the open line is cut
            // there), so it stays under twice that; dropping it made every long wait grow it anew (megabytes of
            // garbage per wait on a large file).
            _arenaUsed = 0;
        }
    }

    private readonly record struct Held(long Key, uint Elapsed, int Offset, int Length, bool Continued);

    /// <summary>A line whose end is known and whose start is not yet: bytes fill its buffer from the end.</summary>
    private sealed class Open
    {
        private byte[] _bytes = [];
        private int _start;

        public bool Seen { get; set; }
        public bool IsOpen { get; private set; }
        public bool Forced { get; set; }
        public long Key { get; private set; }
        public uint Elapsed { get; private set; }
        public int Pieces { get; set; }
        public int Length => _bytes.Length - _start;
        public ReadOnlySpan<byte> Span => _bytes.AsSpan(_start);

        public void Start(long key, uint elapsed, int max)
        {
            IsOpen = true;
            Forced = false;
            Key = key;
            Elapsed = elapsed;
            Pieces = 0;
            _start = _bytes.Length;
        }

        public void Prepend(ReadOnlySpan<byte> data)
        {
            if (data.IsEmpty)
            {
                return;
            }
            if (_start < data.Length)
            {
                var length = Length;
                var bigger = new byte[Math.Max(length + data.Length, Math.Max(256, _bytes.Length * 2))];
                Span.CopyTo(bigger.AsSpan(bigger.Length - length));
                _bytes = bigger;
                _start = bigger.Length - length;
            }
            _start -= data.Length;
            data.CopyTo(_bytes.AsSpan(_start));
        }

        /// <summary>Keeps only the first <paramref name="count"/> bytes (the earlier text), dropping the handed-on rest.</summary>
        public void KeepFirst(int count)
        {
            var kept = _bytes.AsSpan(_start, count).ToArray();
            _start = _bytes.Length;
            Prepend(kept);
        }

        public void Close()
        {
            IsOpen = false;
            _start = _bytes.Length;
        }
    }
}
