namespace BriocheJob.Bundles;

/// <summary>Diagnostic codes of failure bundles (<c>export</c>, <c>import bundle</c>): BJ6030 and up.</summary>
public static class BundleCodes
{
    /// <summary>The file is not a readable bundle: truncated, corrupt, altered, or another format.</summary>
    public const string Unreadable = "BJ6030";

    /// <summary>The bundle was written by a newer brioche-job.</summary>
    public const string TooNew = "BJ6031";

    /// <summary>The bundle file cannot be written.</summary>
    public const string WriteFailed = "BJ6032";

    /// <summary>An imported Docker job's build context is not on this machine.</summary>
    public const string ContextNotHere = "BJ6033";
}
