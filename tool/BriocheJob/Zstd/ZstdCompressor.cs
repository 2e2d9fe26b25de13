namespace BriocheJob.Zstd;

/// <summary>How <see cref="ZstdCompressor.Compress"/> ends its call (ZSTD_EndDirective).</summary>
public enum ZstdEndDirective
{
    /// <summary>Buffer freely; output may lag the input.</summary>
    Continue = 0,
    /// <summary>Emit every byte given so far as complete blocks; the frame stays open.</summary>
    Flush = 1,
    /// <summary>Finish the frame (epilogue and checksum); the next call starts a new frame.</summary>
    End = 2,
}

/// <summary>A streaming zstd compressor (ZSTD_compressStream2) that writes into a <see cref="Stream"/>.</summary>
public sealed unsafe class ZstdCompressor : IDisposable
{
    private nint _cctx;
    private readonly byte[] _outBuffer;

    public ZstdCompressor(int level = 3, bool checksum = true)
    {
        ZstdLibrary.EnsureLoaded();
        _cctx = ZstdNative.CreateCCtx();
        if (_cctx == 0)
        {
            throw new OutOfMemoryException("ZSTD_createCCtx failed");
        }
        ZstdLibrary.ThrowIfError(ZstdNative.CCtxSetParameter(_cctx, ZstdNative.CompressionLevelParameter, level), "setting the zstd level");
        ZstdLibrary.ThrowIfError(ZstdNative.CCtxSetParameter(_cctx, ZstdNative.ChecksumFlagParameter, checksum ? 1 : 0), "setting the zstd checksum flag");
        _outBuffer = new byte[(int)ZstdNative.CStreamOutSize()];
    }

    /// <summary>Compresses <paramref name="input"/> into <paramref name="destination"/>; returns the compressed bytes written.</summary>
    public long Compress(ReadOnlySpan<byte> input, ZstdEndDirective directive, Stream destination)
    {
        ObjectDisposedException.ThrowIf(_cctx == 0, this);
        long written = 0;
        fixed (byte* inPtr = input)
        fixed (byte* outPtr = _outBuffer)
        {
            var inBuffer = new ZstdInBuffer { Src = inPtr, Size = (nuint)input.Length, Pos = 0 };
            while (true)
            {
                var outBuffer = new ZstdOutBuffer { Dst = outPtr, Size = (nuint)_outBuffer.Length, Pos = 0 };
                var remaining = ZstdNative.CompressStream2(_cctx, &outBuffer, &inBuffer, (int)directive);
                ZstdLibrary.ThrowIfError(remaining, "zstd compression failed");
                if (outBuffer.Pos > 0)
                {
                    destination.Write(_outBuffer, 0, (int)outBuffer.Pos);
                    written += (long)outBuffer.Pos;
                }
                var inputDone = inBuffer.Pos == inBuffer.Size;
                if (directive == ZstdEndDirective.Continue ? inputDone : inputDone && remaining == 0)
                {
                    return written;
                }
            }
        }
    }

    /// <summary>Compresses a whole buffer as one frame.</summary>
    public static byte[] CompressFrame(ReadOnlySpan<byte> input, int level = 3)
    {
        using var compressor = new ZstdCompressor(level);
        using var output = new MemoryStream();
        compressor.Compress(input, ZstdEndDirective.End, output);
        return output.ToArray();
    }

    public void Dispose()
    {
        if (_cctx != 0)
        {
            ZstdNative.FreeCCtx(_cctx);
            _cctx = 0;
        }
    }
}
