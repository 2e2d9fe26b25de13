using System.Runtime.ExceptionServices;

namespace BriocheJob.Brioche;

/// <summary>
/// Reads a source stream on a thread of its own, a few blocks ahead of the reader: while the caller parses and
/// prints one block, the next ones are being decompressed on the other core. Memory is fixed (<c>blocks</c> ×
/// <c>blockSize</c>, allocated once). An exception of the source is thrown to the reader where it would have been
/// thrown without the thread, after the blocks read before it. Disposing stops the thread (it reads at most one
/// more block) and disposes the source unless <c>leaveOpen</c>.
/// </summary>
internal sealed class ReadAheadStream : Stream
{
    private readonly Stream _source;
    private readonly bool _leaveOpen;
    private readonly object _gate = new();
    private readonly Queue<(byte[] Buffer, int Length)> _full = new();
    private readonly Stack<byte[]> _free = new();
    private readonly Thread _thread;
    private byte[]? _current;
    private int _currentStart;
    private int _currentLength;
    private bool _sourceEnded;
    private bool _stopping;
    private bool _started;
    private ExceptionDispatchInfo? _failure;

    public ReadAheadStream(Stream source, bool leaveOpen = false, int blockSize = 256 * 1024, int blocks = 4)
    {
        _source = source;
        _leaveOpen = leaveOpen;
        for (var i = 0; i < blocks; i++)
        {
            _free.Push(new byte[blockSize]);
        }
        _thread = new Thread(Produce) { IsBackground = true, Name = "events read-ahead" };
    }

    /// <summary>Blocks read from the source so far (for tests: how far ahead the thread ran).</summary>
    internal int BlocksRead { get; private set; }

    private void Produce()
    {
        while (true)
        {
            byte[] buffer;
            lock (_gate)
            {
                while (_free.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }
                if (_stopping)
                {
                    return;
                }
                buffer = _free.Pop();
            }
            var length = Fill(buffer, out var failure);
            lock (_gate)
            {
                if (failure is not null)
                {
                    // The bytes read before the failure still go first, as they would without the thread.
                    _failure = failure;
                    _sourceEnded = true;
                }
                if (length > 0)
                {
                    _full.Enqueue((buffer, length));
                    BlocksRead++;
                }
                if (length < buffer.Length)
                {
                    _sourceEnded = true;
                }
                Monitor.PulseAll(_gate);
                if (_sourceEnded)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Fills a block as far as the source goes; a short block means the source ended.</summary>
    private int Fill(byte[] buffer, out ExceptionDispatchInfo? failure)
    {
        failure = null;
        var used = 0;
        try
        {
            while (used < buffer.Length)
            {
                var read = _source.Read(buffer, used, buffer.Length - used);
                if (read == 0)
                {
                    break;
                }
                used += read;
            }
        }
        catch (Exception e)
        {
            failure = ExceptionDispatchInfo.Capture(e);
        }
        return used;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }
        if (_current is null && !NextBlock())
        {
            return 0;
        }
        var take = Math.Min(buffer.Length, _currentLength - _currentStart);
        _current.AsSpan(_currentStart, take).CopyTo(buffer);
        _currentStart += take;
        if (_currentStart == _currentLength)
        {
            lock (_gate)
            {
                _free.Push(_current!);
                _current = null;
                Monitor.PulseAll(_gate);
            }
        }
        return take;
    }

    private bool NextBlock()
    {
        lock (_gate)
        {
            if (!_started)
            {
                _started = true;
                _thread.Start();
            }
            while (_full.Count == 0 && !_sourceEnded)
            {
                Monitor.Wait(_gate);
            }
            if (_full.Count == 0)
            {
                _failure?.Throw();
                return false;
            }
            (_current, _currentLength) = _full.Dequeue();
            _currentStart = 0;
            return true;
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                _stopping = true;
                Monitor.PulseAll(_gate);
            }
            if (_started)
            {
                _thread.Join();
            }
            if (!_leaveOpen)
            {
                _source.Dispose();
            }
        }
        base.Dispose(disposing);
    }
}
