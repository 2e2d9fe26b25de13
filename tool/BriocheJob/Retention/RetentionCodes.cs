namespace BriocheJob.Retention;

/// <summary>Diagnostic codes of retention (<c>prune</c>, the automatic prune): BJ1020 and up, with the data home's.</summary>
public static class RetentionCodes
{
    /// <summary>The job store in use has no retention support.</summary>
    public const string StoreUnsupported = "BJ1020";

    /// <summary>The automatic prune after a recording failed (a warning: the build goes on).</summary>
    public const string AutoPruneFailed = "BJ1021";

    /// <summary><c>BriocheJobMaxSize</c> is not a size.</summary>
    public const string InvalidMaxSize = "BJ1022";
}
