using System.Buffers.Binary;
using ZstdSharp.Unsafe;

namespace BriocheJob.Zstd;

/// <summary>Frame-level facts about zstd data, without decompressing it.</summary>
public static unsafe class ZstdFrames
{
    /// <summary>The magic of a zstd frame, as a little-endian u32 (bytes 28 B5 2F FD).</summary>
    public const uint FrameMagic = 0xFD2FB528;

    /// <summary>The first of the sixteen skippable-frame magics 0x184D2A50..0x184D2A5F.</summary>
    public const uint SkippableMagicFirst = 0x184D2A50;

    public static bool IsSkippableMagic(uint magic) => (magic & 0xFFFFFFF0) == SkippableMagicFirst;

    /// <summary>True when <paramref name="data"/> starts like a zstd or skippable frame.</summary>
    public static bool StartsWithFrameMagic(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            return false;
        }
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(data);
        return magic == FrameMagic || IsSkippableMagic(magic);
    }

    /// <summary>
    /// The compressed size of the frame (zstd or skippable) that starts <paramref name="data"/>, or -1 when
    /// <paramref name="data"/> ends before the frame does. Corrupt data throws <see cref="ZstdDataException"/>.
    /// </summary>
    public static long FindFrameCompressedSize(ReadOnlySpan<byte> data)
    {
        if (data.Length < 8 && StartsWithFrameMagic(data) || data.Length < 4)
        {
            return -1;
        }
        fixed (byte* ptr = data)
        {
            var result = Methods.ZSTD_findFrameCompressedSize(ptr, (nuint)data.Length);
            if (ZstdCalls.IsError(result))
            {
                if (ZstdCalls.ErrorCode(result) == ZSTD_ErrorCode.ZSTD_error_srcSize_wrong)
                {
                    return -1;
                }
                ZstdCalls.ThrowIfError(result, "corrupt zstd frame");
            }
            return (long)result;
        }
    }

    /// <summary>The decompressed size a frame header declares, or null when it does not say.</summary>
    public static ulong? GetFrameContentSize(ReadOnlySpan<byte> data)
    {
        fixed (byte* ptr = data)
        {
            var size = Methods.ZSTD_getFrameContentSize(ptr, (nuint)data.Length);
            // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR.
            return size is ulong.MaxValue or ulong.MaxValue - 1 ? null : size;
        }
    }

    /// <summary>
    /// Decompresses one frame at <paramref name="offset"/> of a seekable stream into <paramref name="destination"/>
    /// and returns its length, or -1 when the frame holds more than fits, having decoded the rest through a small
    /// scratch buffer only to count it (<paramref name="decompressedLength"/>). The size a frame header declares is
    /// never trusted. <paramref name="reuse"/>: a single-frame decoder to restart instead of making one.
    /// </summary>
    public static int DecompressFrameAt(Stream seekable, long offset, Span<byte> destination, out long decompressedLength, out bool complete,
        ZstdDecompressionStream? reuse = null)
    {
        seekable.Position = offset;
        using var owned = reuse is null ? new ZstdDecompressionStream(seekable, leaveOpen: true, singleFrame: true) : null;
        var decoder = owned ?? reuse!;
        if (owned is null)
        {
            decoder.Restart(seekable);
        }
        var used = 0;
        while (used < destination.Length)
        {
            var read = decoder.Read(destination[used..]);
            if (read == 0)
            {
                complete = !decoder.EndedMidFrame;
                decompressedLength = used;
                return used;
            }
            used += read;
        }
        long total = used;
        // A frame that exactly fills the buffer is common (1 MiB frames): probe before allocating a scratch buffer.
        Span<byte> probe = stackalloc byte[256];
        var n = decoder.Read(probe);
        if (n > 0)
        {
            total += n;
            var scratch = new byte[64 * 1024];
            while ((n = decoder.Read(scratch)) > 0)
            {
                total += n;
            }
        }
        complete = !decoder.EndedMidFrame;
        decompressedLength = total;
        return total == used ? used : -1;
    }

    /// <summary>
    /// Decompresses the frame at <paramref name="offset"/>, discards its first <paramref name="skip"/> bytes and fills
    /// <paramref name="destination"/> with the next ones; returns how many it got.
    /// </summary>
    public static int DecompressFrameSlice(Stream seekable, long offset, long skip, Span<byte> destination, ZstdDecompressionStream? reuse = null)
    {
        seekable.Position = offset;
        using var owned = reuse is null ? new ZstdDecompressionStream(seekable, leaveOpen: true, singleFrame: true) : null;
        var decoder = owned ?? reuse!;
        if (owned is null)
        {
            decoder.Restart(seekable);
        }
        // Only a slice after the frame's start needs a scratch buffer (a header read from a frame's start does not).
        var scratch = skip > 0 ? new byte[128 * 1024] : [];
        while (skip > 0)
        {
            var n = decoder.Read(scratch.AsSpan(0, (int)Math.Min(scratch.Length, skip)));
            if (n == 0)
            {
                return 0;
            }
            skip -= n;
        }
        var got = 0;
        while (got < destination.Length)
        {
            var n = decoder.Read(destination[got..]);
            if (n == 0)
            {
                break;
            }
            got += n;
        }
        return got;
    }
}
