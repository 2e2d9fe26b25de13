namespace BriocheJob.Retention;

/// <summary>What one prune removed (or, for a dry run, would remove) and the bytes it freed.</summary>
public sealed record PruneReport
{
    public bool DryRun { get; init; }

    /// <summary>Logs of jobs that did not succeed, older than the failed-log limit.</summary>
    public int FailedLogs { get; init; }

    /// <summary>Succeeded logs beyond the last N per recipe.</summary>
    public int SucceededLogs { get; init; }

    /// <summary>Job rows older than the row limit (their logs go with them).</summary>
    public int JobRows { get; init; }

    public int Builds { get; init; }

    /// <summary>Files under <c>jobs/</c> that no row pointed at (e.g. left by a prune that was killed).</summary>
    public int OrphanFiles { get; init; }

    /// <summary>Bytes of the files removed.</summary>
    public long BytesFreed { get; init; }

    /// <summary>Bytes the database file shrank by when compacted.</summary>
    public long DatabaseBytesFreed { get; init; }

    /// <summary>Jobs still running: never touched.</summary>
    public int RunningSkipped { get; init; }

    /// <summary>Files kept because another row still points at them.</summary>
    public int SharedFilesKept { get; init; }

    /// <summary>Logs outside the data home (e.g. imported from Brioche's process-temp): not ours to remove.</summary>
    public int OutsideHomeKept { get; init; }

    /// <summary>True when <see cref="PrunePolicy.MaxFiles"/> stopped the prune before it was done.</summary>
    public bool Bounded { get; init; }

    public BriocheTempsReport? BriocheTemps { get; init; }

    public DockerImagesReport? DockerImages { get; init; }

    public long TotalBytesFreed => BytesFreed + DatabaseBytesFreed + (BriocheTemps?.BytesFreed ?? 0);
}

/// <summary>The <c>process-temp/&lt;ULID&gt;</c> folders of finished jobs we recorded.</summary>
/// <param name="KeptWithoutCopy">Folders kept because the job's only log is in them (an imported job).</param>
public sealed record BriocheTempsReport(string ProcessTempDir, int Folders, long BytesFreed, int KeptWithoutCopy, IReadOnlyList<string> Problems);

/// <summary>The <c>brioche-job-debug:*</c> images removed, and those kept because a container uses them.</summary>
public sealed record DockerImagesReport(IReadOnlyList<string> Removed, IReadOnlyList<string> InUse);
