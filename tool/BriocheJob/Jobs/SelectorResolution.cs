using BriocheJob.Store;

namespace BriocheJob.Jobs;

/// <summary>Which form of selector decided the result.</summary>
public enum SelectorForm
{
    /// <summary>No selector, or <c>failed</c>: the most recent failed job.</summary>
    MostRecentFailed,
    /// <summary><c>last</c>: the most recent job of any result.</summary>
    MostRecent,
    /// <summary><c>-N</c>: the Nth most recent failed job.</summary>
    NthMostRecentFailed,
    /// <summary>A whole job id.</summary>
    JobId,
    /// <summary>A unique prefix of a job id.</summary>
    JobIdPrefix,
    /// <summary>A recipe hash or a unique prefix of one: the most recent job of that recipe.</summary>
    RecipeHash,
    /// <summary>A pid: the most recent job whose process had it.</summary>
    Pid,
    /// <summary>A path to an events file; the caller reads the file directly.</summary>
    EventsFile,
}

/// <summary>What a selector resolved to: a recorded job, or (for <see cref="SelectorForm.EventsFile"/>) a file path.</summary>
public sealed record SelectorResolution(SelectorForm Form, JobView? Job, string? FilePath)
{
    public bool IsFile => Form == SelectorForm.EventsFile;
}
