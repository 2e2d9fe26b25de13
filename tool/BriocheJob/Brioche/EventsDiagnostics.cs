namespace BriocheJob.Brioche;

/// <summary>Diagnostic codes for Brioche process-events files and the zstd layer under them (BJ2xxx).</summary>
public static class EventsDiagnostics
{
    /// <summary>BJ2001: the decompressed event stream is malformed (unknown kind, header/trailer mismatch, bad length).</summary>
    public const string CorruptEvents = "BJ2001";

    /// <summary>BJ2002: the file is neither a zstd stream nor starts with the process-events magic.</summary>
    public const string NotAnEventsFile = "BJ2002";

    // BJ2003 (the system libzstd could not be loaded) is retired: zstd is managed code (ZstdSharp.Port) now.

    /// <summary>BJ2004: zstd reported corrupt compressed data.</summary>
    public const string CorruptCompression = "BJ2004";

    /// <summary>BJ2005: the Description event's JSON cannot be read as a Brioche process description.</summary>
    public const string BadDescription = "BJ2005";

    /// <summary>BJ2006: the writer was used wrongly (event after completion, empty output chunk, second exit...).</summary>
    public const string WriterMisuse = "BJ2006";

    /// <summary>BJ2007: the events file does not exist.</summary>
    public const string EventsFileNotFound = "BJ2007";

    /// <summary>BJ2008: the path cannot be read as a file: a directory, a symlink loop, no permission, an I/O error.</summary>
    public const string EventsFileUnreadable = "BJ2008";

    /// <summary>Maps the zstd layer's own exception to BJ2004.</summary>
    internal static BriocheJobException CorruptZstd(BriocheJob.Zstd.ZstdDataException e)
        => new(CorruptCompression, ErrorKind.Corrupt, e.Message, e);
}
