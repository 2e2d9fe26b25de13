namespace BriocheJob.History;

/// <summary>Diagnostic codes of the history commands (BJ6030-BJ6039).</summary>
public static class HistoryErrors
{
    /// <summary><c>builds diff</c>: no earlier build shares a project with HEAD, so there is no default BASE.</summary>
    public const string NoBaseBuild = "BJ6030";

    /// <summary><c>logs --diff</c>: no earlier succeeded job has the same step key.</summary>
    public const string NoEarlierSuccess = "BJ6031";

    /// <summary>The job has no step key (nothing identifies its step), so it has no history to compare with.</summary>
    public const string NoStepKey = "BJ6032";

    /// <summary><c>builds timeline --html</c>: the file cannot be written.</summary>
    public const string WriteFailed = "BJ6033";
}
