namespace BriocheJob.BuildKit;

/// <summary>Diagnostic codes of the BuildKit trace area (BJ4xxx), in one place.</summary>
public static class BuildKitCodes
{
    /// <summary>A trace file named by the user does not exist.</summary>
    public const string TraceFileNotFound = "BJ4001";

    /// <summary>A trace file or stream could not be read (I/O error, permissions).</summary>
    public const string TraceUnreadable = "BJ4002";

    /// <summary>The input held records but not one of them decoded as BuildKit progress.</summary>
    public const string NotATrace = "BJ4003";

    /// <summary>An encoding name given by the user is not one we know.</summary>
    public const string UnknownEncoding = "BJ4004";

    /// <summary>Warning: some progress records were malformed and skipped; the rest of the trace is intact.</summary>
    public const string MalformedRecordsSkipped = "BJ4100";
}
