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
    public RetentionChange ApplyRetention(
        IReadOnlyCollection<string> clearLogJobIds, IReadOnlyCollection<string> deleteJobIds, DateTimeOffset emptyBuildsBefore)
    {
        RetentionChange change = Write((c, t) => StoreSql.ApplyRetention(Commands(c, t), clearLogJobIds, deleteJobIds, emptyBuildsBefore));
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

    public IReadOnlySet<string> ReferencedLocalPaths() => Run(c => StoreSql.ReferencedLocalPaths(Commands(c)));

    public IReadOnlySet<string> BuildIds() => Run(c => StoreSql.BuildIds(Commands(c)));

    /// <summary>The server's autovacuum gives freed space back; the tool's role may not VACUUM. Nothing to do here.</summary>
    public long Compact(bool allowFullVacuum, int? maxPages = null) => 0;

    /// <summary>
    /// The build, its projects, its jobs and the jobs' logs (read from their local events files, sent as frames) in one
    /// transaction: all of it or nothing.
    /// </summary>
    public BuildRecord RecordWholeBuild(
        BuildRecord build, IReadOnlyList<ProjectRequest> projects, IReadOnlyList<(int ProjectIndex, JobRecord Job)> jobs) =>
        Write((c, t) => StoreSql.RecordWholeBuild(Commands(c, t), build, projects, jobs, (db, job) =>
        {
            if (job.LocalPath is { } path && File.Exists(path))
            {
                InsertWholeLog(c, t, job.Id, File.ReadAllBytes(path));
            }
        }));

    /// <summary>An events file's frames, marked complete when the file is exactly its frames.</summary>
    private static void InsertWholeLog(NpgsqlConnection connection, NpgsqlTransaction transaction, string jobId, byte[] file)
    {
        List<byte[]> frames = LogFrames.Split(file);
        for (int i = 0; i < frames.Count; i++)
        {
            using var insert = new NpgsqlCommand(
                "INSERT INTO job_log_frames (job_id, frame_index, data) VALUES (lower($1), $2, $3);", connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = jobId });
            insert.Parameters.Add(new NpgsqlParameter { Value = i });
            insert.Parameters.Add(new NpgsqlParameter { Value = frames[i] });
            insert.ExecuteNonQuery();
        }

        long bytes = frames.Sum(f => (long)f.Length);
        using NpgsqlCommand state = Command(connection, transaction,
            "INSERT INTO job_logs (job_id, frame_count, byte_count, complete) VALUES (lower(@id), @frames, @bytes, @complete);",
            ("id", jobId), ("frames", frames.Count), ("bytes", bytes), ("complete", bytes == file.LongLength));
        state.ExecuteNonQuery();
    }
}
