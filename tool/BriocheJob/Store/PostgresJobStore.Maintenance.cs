using BriocheJob.Diagnostics;
using Npgsql;

namespace BriocheJob.Store;

/// <summary>
/// Retention and whole-build recording (<see cref="IStoreMaintenance"/>) for the server store, with the SQLite store's
/// semantics. The logs here are frame rows: a cleared or deleted job's <c>job_logs</c> row goes in the same transaction
/// as the job rows, and its frames, which nothing points at any more, right after (a prune killed in between leaves
/// frames the next prune removes).
/// </summary>
public sealed partial class PostgresJobStore : IStoreMaintenance
{
    public override RetentionChange ApplyRetention(
        IReadOnlyCollection<string> clearLogJobIds, IReadOnlyCollection<string> deleteJobIds, DateTimeOffset emptyBuildsBefore)
    {
        RetentionChange change = base.ApplyRetention(clearLogJobIds, deleteJobIds, emptyBuildsBefore);
        DeleteUnreferencedLogFrames();
        return change;
    }

    /// <summary>Deletes the frames of logs no <c>job_logs</c> row lists (what a cleared or deleted log leaves).</summary>
    public int DeleteUnreferencedLogFrames() => Write((c, t) =>
    {
        using NpgsqlCommand delete = Command(c, t,
            "DELETE FROM job_log_frames f WHERE NOT EXISTS (SELECT 1 FROM job_logs l WHERE l.job_id = f.job_id);");
        return delete.ExecuteNonQuery();
    });

    /// <summary>The server's autovacuum gives freed space back; the tool's role may not VACUUM. Nothing to do here.</summary>
    public override long Compact(bool allowFullVacuum, int? maxPages = null) => 0;

    /// <summary>
    /// A whole build's job log (<see cref="SqlJobStore.RecordWholeBuild"/>), read from its local events file, as frames;
    /// marked complete when the file is exactly its frames.
    /// </summary>
    private protected override void StoreWholeLog(StoreCommands db, JobRecord job)
    {
        if (job.LocalPath is not { } path || !File.Exists(path))
        {
            return;
        }

        byte[] file = File.ReadAllBytes(path);
        List<byte[]> frames = LogFrames.Split(file);
        for (int i = 0; i < frames.Count; i++)
        {
            db.Execute("INSERT INTO job_log_frames (job_id, frame_index, data) VALUES (lower(@id), @index, @data);",
                ("id", job.Id), ("index", i), ("data", frames[i]));
        }

        long bytes = frames.Sum(f => (long)f.Length);
        db.Execute("INSERT INTO job_logs (job_id, frame_count, byte_count, complete) VALUES (lower(@id), @frames, @bytes, @complete);",
            ("id", job.Id), ("frames", frames.Count), ("bytes", bytes), ("complete", bytes == file.LongLength));
    }
}
