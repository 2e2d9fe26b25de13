using ZstdSharp.Unsafe;

namespace BriocheJob.Zstd;

/// <summary>
/// A read-only stream that decompresses zstd data from <c>source</c> as it is read: any number of concatenated frames,
/// skipping skippable frames. Input that ends inside a frame is not an error: reading returns 0 and
/// <see cref="EndedMidFrame"/> turns true, so callers can treat a killed writer's file as truncated.
/// Memory stays bounded whatever a frame declares: output goes only into the caller's buffer, and a frame asking
/// for a window above 2^<see cref="ZstdCalls.MaxWindowLog"/> is rejected. Corrupt data throws <see cref="ZstdDataException"/>.
/// </summary>
public sealed class ZstdDecompressionStream : Stream
{
    private Stream _source;
    private readonly bool _leaveOpen;
    private readonly bool _singleFrame;
    private readonly byte[] _input;
    private int _inputStart;
    private int _inputEnd;
    private bool _sourceEnded;
    private bool _inFrame;
    private bool _done;
    private unsafe ZSTD_DCtx_s* _dctx;

    /// <param name="singleFrame">Stop after the first frame ends (the source may hold more).</param>
    // 64 KiB: under the large-object threshold, so a decoder per frame leaves only short-lived garbage.
    public unsafe ZstdDecompressionStream(Stream source, bool leaveOpen = false, bool singleFrame = false, int bufferSize = 64 * 1024)
    {
        _source = source;
        _leaveOpen = leaveOpen;
        _singleFrame = singleFrame;
        _input = new byte[bufferSize];
        _dctx = Methods.ZSTD_createDCtx();
        if (_dctx == null)
        {
            throw new OutOfMemoryException("ZSTD_createDCtx failed");
        }
        ZstdCalls.ThrowIfError(Methods.ZSTD_DCtx_setParameter(_dctx, ZSTD_dParameter.ZSTD_d_windowLogMax, ZstdCalls.MaxWindowLog), "setting the zstd window limit");
    }

    /// <summary>
    /// Starts over on <paramref name="source"/> (positioned at a frame), keeping the decoder's context and buffers:
    /// reading many frames one by one then allocates nothing per frame.
    /// </summary>
    public unsafe void Restart(Stream source)
    {
        ObjectDisposedException.ThrowIf(_dctx == null, this);
        ZstdCalls.ThrowIfError(Methods.ZSTD_DCtx_reset(_dctx, ZSTD_ResetDirective.ZSTD_reset_session_only), "resetting the zstd decoder");
        _source = source;
        _inputStart = 0;
        _inputEnd = 0;
        _sourceEnded = false;
        _inFrame = false;
        _done = false;
        FramesCompleted = 0;
        EndedMidFrame = false;
        CompressedBytesConsumed = 0;
    }

    /// <summary>Frames (including skippable ones) decoded to their end so far.</summary>
    public int FramesCompleted { get; private set; }

    /// <summary>Frames decoded so far, counting one still in progress.</summary>
    public int FramesTouched => FramesCompleted + (_inFrame ? 1 : 0);

    /// <summary>True once the input ended inside a frame (a truncated or still-growing file).</summary>
    public bool EndedMidFrame { get; private set; }

    /// <summary>Compressed bytes consumed by the decoder so far.</summary>
    public long CompressedBytesConsumed { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            if (_done || buffer.IsEmpty)
            {
                return 0;
            }
            if (_inputStart == _inputEnd && !_sourceEnded)
            {
                var read = _source.Read(_input, 0, _input.Length);
                OnSourceRead(read);
            }
            var written = Step(buffer);
            if (written != 0)
            {
                return written;
            }
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_done || buffer.IsEmpty)
        {
            return new ValueTask<int>(0);
        }

        // Decode what is already buffered without awaiting; once the buffer runs dry, read the source
        // asynchronously. Falling back to a synchronous Read here would block on a growing file's poll.
        if (_inputStart != _inputEnd || _sourceEnded)
        {
            var written = Step(buffer.Span);
            if (written != 0 || _done)
            {
                return new ValueTask<int>(written);
            }
        }
        return ReadSlowAsync(buffer, cancellationToken);
    }

    private async ValueTask<int> ReadSlowAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_done || buffer.IsEmpty)
            {
                return 0;
            }
            if (_inputStart == _inputEnd && !_sourceEnded)
            {
                var read = await _source.ReadAsync(_input.AsMemory(), cancellationToken).ConfigureAwait(false);
                OnSourceRead(read);
            }
            var written = Step(buffer.Span);
            if (written != 0)
            {
                return written;
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void OnSourceRead(int read)
    {
        _inputStart = 0;
        _inputEnd = read;
        if (read == 0)
        {
            _sourceEnded = true;
        }
    }

    /// <summary>One decoder call. Returns bytes written, 0 to call again, or -0 with <see cref="_done"/> set at the end.</summary>
    private unsafe int Step(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_dctx == null, this);
        nuint hint;
        int consumed, produced;
        fixed (byte* inPtr = _input)
        fixed (byte* outPtr = buffer)
        {
            var inBuffer = new ZSTD_inBuffer_s { src = inPtr + _inputStart, size = (nuint)(_inputEnd - _inputStart), pos = 0 };
            var outBuffer = new ZSTD_outBuffer_s { dst = outPtr, size = (nuint)buffer.Length, pos = 0 };
            hint = Methods.ZSTD_decompressStream(_dctx, &outBuffer, &inBuffer);
            ZstdCalls.ThrowIfError(hint, "corrupt zstd data");
            consumed = (int)inBuffer.pos;
            produced = (int)outBuffer.pos;
        }
        _inputStart += consumed;
        CompressedBytesConsumed += consumed;
        if (hint == 0)
        {
            FramesCompleted++;
            _inFrame = false;
            if (_singleFrame)
            {
                _done = true;
            }
        }
        else if (consumed > 0 || produced > 0)
        {
            _inFrame = true;
        }
        if (produced > 0)
        {
            return produced;
        }
        if (_inputStart == _inputEnd && _sourceEnded)
        {
            // Nothing more will come; a frame still open means the data was cut.
            EndedMidFrame = _inFrame;
            _done = true;
        }
        return 0;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override unsafe void Dispose(bool disposing)
    {
        if (_dctx != null)
        {
            Methods.ZSTD_freeDCtx(_dctx);
            _dctx = null;
        }
        if (disposing && !_leaveOpen)
        {
            _source.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>Decompresses everything in <paramref name="compressed"/> (all frames).</summary>
    public static byte[] DecompressAll(ReadOnlySpan<byte> compressed)
    {
        using var stream = new ZstdDecompressionStream(new MemoryStream(compressed.ToArray()));
        using var output = new MemoryStream();
        stream.CopyTo(output);
        if (stream.EndedMidFrame)
        {
            throw new ZstdDataException("zstd data ends inside a frame");
        }
        return output.ToArray();
    }
}
