using System.Runtime.InteropServices;

using BriocheJob.Brioche;

namespace BriocheJob.Zstd;

/// <summary>Loads the system libzstd once and turns a missing library into a coded error.</summary>
public static class ZstdLibrary
{
    private static readonly Lazy<(bool Loaded, string? Error)> Load = new(TryLoad);

    /// <summary>Throws <c>BJ2003</c> when <c>libzstd.so.1</c> cannot be loaded.</summary>
    public static void EnsureLoaded()
    {
        var (loaded, error) = Load.Value;
        if (!loaded)
        {
            throw new BriocheJobException(EventsDiagnostics.ZstdUnavailable, ErrorKind.Unavailable,
                $"cannot load {ZstdNative.LibraryName} ({error}); install the zstd runtime library (Debian: apt-get install libzstd1)");
        }
    }

    /// <summary>libzstd's version, e.g. 10504 for 1.5.4.</summary>
    public static int VersionNumber
    {
        get
        {
            EnsureLoaded();
            return (int)ZstdNative.VersionNumber();
        }
    }

    private static (bool, string?) TryLoad()
    {
        try
        {
            // Loading by the same name LibraryImport uses makes later calls hit the already loaded library.
            if (!NativeLibrary.TryLoad(ZstdNative.LibraryName, typeof(ZstdLibrary).Assembly, null, out _))
            {
                return (false, "not found");
            }
            ZstdNative.VersionNumber();
            return (true, null);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return (false, e.Message);
        }
    }

    internal static void ThrowIfError(nuint code, string what)
    {
        if (ZstdNative.Failed(code))
        {
            throw new BriocheJobException(EventsDiagnostics.CorruptCompression, ErrorKind.Corrupt,
                $"{what}: zstd error '{ZstdNative.ErrorName(code)}'");
        }
    }
}
