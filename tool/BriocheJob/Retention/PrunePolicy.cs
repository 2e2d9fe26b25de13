namespace BriocheJob.Retention;

/// <summary>
/// What <c>prune</c> keeps. The defaults are the documented policy: every failed job's log for 30 days, the last 3
/// succeeded logs per recipe, and job rows (small, the history needs them) for 180 days.
/// </summary>
public sealed record PrunePolicy
{
    public const int DefaultKeepFailedDays = 30;
    public const int DefaultKeepSucceeded = 3;
    public const int DefaultKeepRowsDays = 180;

    /// <summary>Logs of jobs that did not succeed (failed, cancelled, interrupted) are kept this many days.</summary>
    public int KeepFailedDays { get; init; } = DefaultKeepFailedDays;

    /// <summary>Succeeded logs kept per recipe (newest first); older ones are removed.</summary>
    public int KeepSucceeded { get; init; } = DefaultKeepSucceeded;

    /// <summary>Job rows (and their logs) are kept this many days; builds left without jobs go with them.</summary>
    public int KeepRowsDays { get; init; } = DefaultKeepRowsDays;

    /// <summary>Count and measure only; change nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// At most this many files are removed (oldest jobs first), and the store's compaction is bounded too: the
    /// automatic prune after a recording must stay short. Null for no bound.
    /// </summary>
    public int? MaxFiles { get; init; }

    /// <summary>
    /// A file under <c>jobs/</c> that no row points at is removed only when older than this: a recorder may be
    /// writing it before its row is saved (and a prune killed after updating rows leaves such files).
    /// </summary>
    public TimeSpan OrphanMinimumAge { get; init; } = TimeSpan.FromHours(1);

    public void Validate()
    {
        if (KeepFailedDays < 0 || KeepSucceeded < 0 || KeepRowsDays < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(KeepFailedDays), "retention values cannot be negative");
        }
    }
}
