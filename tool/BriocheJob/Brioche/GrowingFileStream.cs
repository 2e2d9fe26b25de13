namespace BriocheJob.Brioche;

/// <summary>
/// Reads a file that another process is still appending to: at the current end, reads wait (polling) for more
/// data instead of returning 0. They return 0 only once the file is deleted (Brioche removes a successful job's
/// folder), <see cref="Stop"/> was called, or nothing was appended for <see cref="IdleTimeout"/>.
/// </summary>
public sealed class GrowingFileStream : Stream
{
    private readonly string _path;
    private readonly FileStream _file;
    private readonly TimeSpan _pollInterval;
    private volatile bool _stopped;

    public GrowingFileStream(string path, TimeSpan? pollInterval = null, long startOffset = 0)
    {
        _path = path;
        _file = ProcessEventsReader.OpenShared(path);
        _file.Position = startOffset;
        _pollInterval = pollInterval ?? TimeSpan.FromMilliseconds(100);
    }

    /// <summary>Give up after this long without new data; null waits forever (until deleted, stopped or cancelled).</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Called each time a read finds no new data and is about to wait (e.g. to flush what was printed).</summary>
    public Action? Waiting { get; init; }

    /// <summary>Makes pending and later reads at the end of the file return 0.</summary>
    public void Stop() => _stopped = true;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _file.Length;
    public override long Position { get => _file.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var idleSince = DateTime.UtcNow;
        while (true)
        {
            var read = _file.Read(buffer);
            if (read > 0 || buffer.IsEmpty)
            {
                return read;
            }
            if (ShouldEnd(idleSince))
            {
                // Data may have landed between the read and the check.
                return _file.Read(buffer);
            }
            Waiting?.Invoke();
            Thread.Sleep(_pollInterval);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var idleSince = DateTime.UtcNow;
        while (true)
        {
            var read = await _file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read > 0 || buffer.IsEmpty)
            {
                return read;
            }
            if (ShouldEnd(idleSince))
            {
                return await _file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            Waiting?.Invoke();
            await Task.Delay(_pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private bool ShouldEnd(DateTime idleSince)
        => _stopped || !File.Exists(_path) || IdleTimeout is { } timeout && DateTime.UtcNow - idleSince > timeout;

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
            _file.Dispose();
        }
        base.Dispose(disposing);
    }
}
