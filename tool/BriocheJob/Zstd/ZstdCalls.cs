using ZstdSharp.Unsafe;

namespace BriocheJob.Zstd;

/// <summary>The checks shared by the adapters over ZstdSharp's port of libzstd (<see cref="Methods"/>).</summary>
internal static class ZstdCalls
{
    /// <summary>
    /// The largest window a frame may ask the decoder for (2^25 = 32 MiB): Brioche's frames hold 1 MiB and need far
    /// less, and it keeps a crafted frame from making the decoder allocate zstd's default 128 MiB.
    /// </summary>
    internal const int MaxWindowLog = 25;

    internal static void ThrowIfError(nuint code, string what)
    {
        if (Methods.ZSTD_isError(code))
        {
            var name = Methods.ZSTD_getErrorName(code);
            throw new ZstdDataException($"{what}: zstd error '{name}'") { ZstdError = name };
        }
    }

    internal static bool IsError(nuint code) => Methods.ZSTD_isError(code);

    internal static ZSTD_ErrorCode ErrorCode(nuint code) => Methods.ZSTD_getErrorCode(code);
}
