using System.Text;

namespace BriocheJob.Brioche;

/// <summary>
/// Reassembles output chunks into lines, per stream (chunks are not line-aligned). A line takes the elapsed time of
/// the chunk holding its newline; an unterminated last line, that of its last chunk. Lines are ordered by where they
/// end in the file, so <see cref="Key"/>s let callers merge the final unterminated lines back into place.
/// </summary>
internal sealed class OutputLineAssembler
{
    private readonly OutputStream? _filter;
    private readonly Pending[] _pending = [new(), new()];

    public OutputLineAssembler(OutputStream? filter) => _filter = filter;

    /// <summary>A line with its sort key: event index and byte offset of its end.</summary>
    public readonly record struct KeyedLine(long Key, OutputStream Stream, uint ElapsedMilliseconds, string Text);

    public static long Key(long eventIndex, int offset) => (eventIndex << 21) + offset;

    public void Add(OutputEvent output, long eventIndex, List<KeyedLine> completed)
    {
        if (_filter is { } filter && output.Stream != filter)
        {
            return;
        }
        var pending = _pending[(int)output.Stream];
        var data = output.Data.Span;
        var start = 0;
        while (true)
        {
            var newline = data[start..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }
            var end = start + newline;
            string text;
            if (pending.Bytes.Length > 0)
            {
                pending.Bytes.Write(data[start..end]);
                text = Decode(pending.Bytes.GetBuffer().AsSpan(0, (int)pending.Bytes.Length));
                pending.Bytes.SetLength(0);
            }
            else
            {
                text = Decode(data[start..end]);
            }
            completed.Add(new KeyedLine(Key(eventIndex, end), output.Stream, output.ElapsedMilliseconds, text));
            start = end + 1;
        }
        if (start < data.Length)
        {
            pending.Bytes.Write(data[start..]);
            pending.Key = Key(eventIndex, data.Length - 1);
            pending.ElapsedMilliseconds = output.ElapsedMilliseconds;
        }
    }

    /// <summary>The unterminated last lines, in key order; the assembler is left empty.</summary>
    public List<KeyedLine> Flush()
    {
        var lines = new List<KeyedLine>();
        for (var i = 0; i < _pending.Length; i++)
        {
            var pending = _pending[i];
            if (pending.Bytes.Length > 0)
            {
                lines.Add(new KeyedLine(pending.Key, (OutputStream)i, pending.ElapsedMilliseconds,
                    Decode(pending.Bytes.GetBuffer().AsSpan(0, (int)pending.Bytes.Length))));
                pending.Bytes.SetLength(0);
            }
        }
        lines.Sort((a, b) => a.Key.CompareTo(b.Key));
        return lines;
    }

    internal static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    private sealed class Pending
    {
        public MemoryStream Bytes { get; } = new();
        public long Key { get; set; }
        public uint ElapsedMilliseconds { get; set; }
    }
}
