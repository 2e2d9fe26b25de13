namespace BriocheJob.Store;

/// <summary>
/// What retention (<c>prune</c>) and bundles (<c>import bundle</c>) need beyond <see cref="IJobStore"/>: changes of
/// many rows in one transaction, the paths rows point at, and compaction. <see cref="SqliteJobStore"/> and
/// <see cref="PostgresJobStore"/> have it.
/// </summary>
public interface IStoreMaintenance
{
    /// <summary>
    /// In one transaction: clears <c>local_path</c> of <paramref name="clearLogJobIds"/>, deletes the rows of
    /// <paramref name="deleteJobIds"/> (never a running one), then deletes the projects left without jobs and the
    /// builds left without projects that started before <paramref name="emptyBuildsBefore"/> and are not running.
    /// </summary>
    RetentionChange ApplyRetention(
        IReadOnlyCollection<string> clearLogJobIds, IReadOnlyCollection<string> deleteJobIds, DateTimeOffset emptyBuildsBefore);

    /// <summary>Every <c>local_path</c> a job row points at.</summary>
    IReadOnlySet<string> ReferencedLocalPaths();

    /// <summary>Every build id in the store.</summary>
    IReadOnlySet<string> BuildIds();

    /// <summary>
    /// Gives freed pages back to the file system (<c>PRAGMA incremental_vacuum</c>, at most <paramref name="maxPages"/>,
    /// null for all). A store created before incremental auto-vacuum existed is switched over with one full
    /// <c>VACUUM</c> when <paramref name="allowFullVacuum"/>. Returns how many bytes the database file shrank.
    /// </summary>
    long Compact(bool allowFullVacuum, int? maxPages = null);

    /// <summary>
    /// Records a whole build, its projects and jobs in one transaction (an imported bundle): either all of it is
    /// written or nothing. Project ids are assigned here; jobs name their project by its index in
    /// <paramref name="projects"/>. Fails (BJ1008) when the build or any job id is already recorded.
    /// </summary>
    BuildRecord RecordWholeBuild(BuildRecord build, IReadOnlyList<ProjectRequest> projects, IReadOnlyList<(int ProjectIndex, JobRecord Job)> jobs);
}

/// <summary>How many rows one <see cref="IStoreMaintenance.ApplyRetention"/> changed.</summary>
public sealed record RetentionChange(int LogsCleared, int JobsDeleted, int ProjectsDeleted, int BuildsDeleted);
