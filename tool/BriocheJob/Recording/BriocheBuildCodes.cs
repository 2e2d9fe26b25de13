namespace BriocheJob.Recording;

/// <summary>Diagnostic codes for Brioche builds run and recorded by <see cref="BriocheBuildRecorder"/> (BJ3xxx).</summary>
public static class BriocheBuildCodes
{
    /// <summary>BJ3001: a Brioche project failed to build (Brioche's message, the failing job and how to see its logs).</summary>
    public const string ProjectFailed = "BJ3001";

    /// <summary>BJ3002: the brioche executable cannot be started (not installed, not on PATH, not executable).</summary>
    public const string BriocheNotFound = "BJ3002";

    /// <summary>BJ3003: a project item that cannot be turned into `brioche build` arguments (empty, missing folder).</summary>
    public const string InvalidProject = "BJ3003";

    /// <summary>BJ3004: the build was cancelled; brioche's process tree was stopped.</summary>
    public const string Cancelled = "BJ3004";

    /// <summary>BJ3005: recording failed (store or job files); the build itself went on.</summary>
    public const string RecordingFailed = "BJ3005";

    /// <summary>An unexpected failure inside the task: one error with its message, never a task crash.</summary>
    public const string Unexpected = "BJ3099";
}
