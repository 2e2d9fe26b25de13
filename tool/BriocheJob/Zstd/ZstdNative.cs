using System.Runtime.InteropServices;

namespace BriocheJob.Zstd;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZstdInBuffer
{
    public void* Src;
    public nuint Size;
    public nuint Pos;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZstdOutBuffer
{
    public void* Dst;
    public nuint Size;
    public nuint Pos;
}

/// <summary>The few libzstd entry points we use. Call <see cref="ZstdLibrary.EnsureLoaded"/> before any of them.</summary>
internal static unsafe partial class ZstdNative
{
    // The soname, not "zstd": Debian's runtime package ships no libzstd.so development symlink.
    internal const string LibraryName = "libzstd.so.1";

    internal const int CompressionLevelParameter = 100;
    internal const int ContentSizeFlagParameter = 200;
    internal const int ChecksumFlagParameter = 201;
    internal const int ResetSessionOnly = 1;
    internal const int SourceSizeWrongErrorCode = 72;
    internal const ulong ContentSizeUnknown = ulong.MaxValue;
    internal const ulong ContentSizeError = ulong.MaxValue - 1;

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_versionNumber")]
    internal static partial uint VersionNumber();

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_isError")]
    internal static partial uint IsError(nuint code);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_getErrorCode")]
    internal static partial int GetErrorCode(nuint code);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_getErrorName")]
    internal static partial byte* GetErrorName(nuint code);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_createCCtx")]
    internal static partial nint CreateCCtx();

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_freeCCtx")]
    internal static partial nuint FreeCCtx(nint cctx);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_CCtx_setParameter")]
    internal static partial nuint CCtxSetParameter(nint cctx, int parameter, int value);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_compressStream2")]
    internal static partial nuint CompressStream2(nint cctx, ZstdOutBuffer* output, ZstdInBuffer* input, int endOp);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_CStreamOutSize")]
    internal static partial nuint CStreamOutSize();

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_createDCtx")]
    internal static partial nint CreateDCtx();

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_freeDCtx")]
    internal static partial nuint FreeDCtx(nint dctx);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_DCtx_reset")]
    internal static partial nuint DCtxReset(nint dctx, int reset);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_decompressStream")]
    internal static partial nuint DecompressStream(nint dctx, ZstdOutBuffer* output, ZstdInBuffer* input);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_findFrameCompressedSize")]
    internal static partial nuint FindFrameCompressedSize(byte* src, nuint srcSize);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_getFrameContentSize")]
    internal static partial ulong GetFrameContentSize(byte* src, nuint srcSize);

    internal static bool Failed(nuint code) => IsError(code) != 0;

    internal static string ErrorName(nuint code) => Marshal.PtrToStringUTF8((nint)GetErrorName(code)) ?? "unknown zstd error";
}
