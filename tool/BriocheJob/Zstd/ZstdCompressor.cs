using ZstdSharp.Unsafe;

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

/// <summary>A streaming zstd compressor (ZSTD_compressStream2, ZstdSharp's managed port) that writes into a <see cref="Stream"/>.</summary>
public sealed unsafe class ZstdCompressor : IDisposable
{
    private ZSTD_CCtx_s* _cctx;
    private readonly byte[] _outBuffer;

    public ZstdCompressor(int level = 3, bool checksum = true)
    {
        _cctx = Methods.ZSTD_createCCtx();
        if (_cctx == null)
        {
            throw new OutOfMemoryException("ZSTD_createCCtx failed");
        }
        ZstdCalls.ThrowIfError(Methods.ZSTD_CCtx_setParameter(_cctx, ZSTD_cParameter.ZSTD_c_compressionLevel, level), "setting the zstd level");
        ZstdCalls.ThrowIfError(Methods.ZSTD_CCtx_setParameter(_cctx, ZSTD_cParameter.ZSTD_c_checksumFlag, checksum ? 1 : 0), "setting the zstd checksum flag");
        _outBuffer = new byte[(int)Methods.ZSTD_CStreamOutSize()];
    }

    /// <summary>Compresses <paramref name="input"/> into <paramref name="destination"/>; returns the compressed bytes written.</summary>
    public long Compress(ReadOnlySpan<byte> input, ZstdEndDirective directive, Stream destination)
    {
        ObjectDisposedException.ThrowIf(_cctx == null, this);
        long written = 0;
        fixed (byte* inPtr = input)
        fixed (byte* outPtr = _outBuffer)
        {
            var inBuffer = new ZSTD_inBuffer_s { src = inPtr, size = (nuint)input.Length, pos = 0 };
            while (true)
            {
                var outBuffer = new ZSTD_outBuffer_s { dst = outPtr, size = (nuint)_outBuffer.Length, pos = 0 };
                var remaining = Methods.ZSTD_compressStream2(_cctx, &outBuffer, &inBuffer, (ZSTD_EndDirective)directive);
                ZstdCalls.ThrowIfError(remaining, "zstd compression failed");
                if (outBuffer.pos > 0)
                {
                    destination.Write(_outBuffer, 0, (int)outBuffer.pos);
                    written += (long)outBuffer.pos;
                }
                var inputDone = inBuffer.pos == inBuffer.size;
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
        if (_cctx != null)
        {
            Methods.ZSTD_freeCCtx(_cctx);
            _cctx = null;
        }
    }
}
