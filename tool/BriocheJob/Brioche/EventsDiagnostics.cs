namespace BriocheJob.Brioche;

/// <summary>
/// The two BJ2xxx codes <c>Zstd/</c> still names, until its rewrite over ZstdSharp takes its codes from
/// <see cref="Diagnostics.Catalog"/> (issue 10 section 1). Everything else uses the catalogue.
/// </summary>
[Obsolete("Use BriocheJob.Diagnostics.Catalog.Events")]
public static class EventsDiagnostics
{
    public const string ZstdUnavailable = "BJ2003";

    public const string CorruptCompression = "BJ2004";
}
