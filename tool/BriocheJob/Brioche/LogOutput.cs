using System.Buffers;

namespace BriocheJob.Brioche;

/// <summary>
/// One buffered byte writer in front of the output stream: lines are copied into one buffer and written in large
/// blocks, so printing a line costs no string and no system call. <see cref="Flush"/> at the end and whenever the
/// reader waits (<c>--follow</c>). The buffer grows only when one write needs more (a long JSON-escaped piece), bounded
/// by the longest piece the renderers write.
/// </summary>
public sealed class LogOutput : IBufferWriter<byte>, IDisposable
{
    public const int DefaultBufferSize = 64 * 1024;

    private readonly Stream _destination;
    private byte[] _buffer;
    private int _used;

    public LogOutput(Stream destination, int bufferSize = DefaultBufferSize)
    {
        _destination = destination;
        _buffer = new byte[bufferSize];
    }

    /// <summary>Bytes handed to the destination so far (flushed), plus those still buffered.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>The size of the buffer now (it grows only for one oversized write).</summary>
    public int BufferCapacity => _buffer.Length;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _buffer.Length - _used)
        {
            FlushBuffer();
            if (bytes.Length >= _buffer.Length)
            {
                _destination.Write(bytes);
                BytesWritten += bytes.Length;
                return;
            }
        }
        bytes.CopyTo(_buffer.AsSpan(_used));
        _used += bytes.Length;
        BytesWritten += bytes.Length;
    }

    public void WriteByte(byte value)
    {
        if (_used == _buffer.Length)
        {
            FlushBuffer();
        }
        _buffer[_used++] = value;
        BytesWritten++;
    }

    public void Advance(int count)
    {
        _used += count;
        BytesWritten += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        var start = Reserve(sizeHint);
        return _buffer.AsMemory(start);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        var start = Reserve(sizeHint);
        return _buffer.AsSpan(start);
    }

    private int Reserve(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _used < sizeHint)
        {
            FlushBuffer();
            if (_buffer.Length < sizeHint)
            {
                _buffer = new byte[sizeHint];
            }
        }
        return _used;
    }

    /// <summary>Writes what is buffered to the destination and flushes it.</summary>
    public void Flush()
    {
        FlushBuffer();
        _destination.Flush();
    }

    private void FlushBuffer()
    {
        if (_used > 0)
        {
            _destination.Write(_buffer, 0, _used);
            _used = 0;
        }
    }

    public void Dispose() => Flush();
}
