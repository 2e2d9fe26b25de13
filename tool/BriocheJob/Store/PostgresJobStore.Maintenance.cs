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
        ArgumentNullException.ThrowIfNull(clearLogJobIds);
        ArgumentNullException.ThrowIfNull(deleteJobIds);
        RetentionChange change = Write((c, t) =>
        {
            int cleared = 0, deleted = 0;
            foreach (string jobId in clearLogJobIds)
            {
                using NpgsqlCommand clear = Command(c, t,
                    "UPDATE jobs SET local_path = NULL WHERE id_key = lower(@id) AND local_path IS NOT NULL;", ("id", jobId));
                cleared += clear.ExecuteNonQuery();
                using NpgsqlCommand log = Command(c, t, "DELETE FROM job_logs WHERE job_id = lower(@id);", ("id", jobId));
                log.ExecuteNonQuery();
            }

            var liveness = new Dictionary<int, bool>();
            foreach (string jobId in deleteJobIds)
            {
                using (NpgsqlCommand state = Command(c, t,
                    "SELECT state, owner_pid, pid, owner_host FROM jobs WHERE id_key = lower(@id) FOR UPDATE;", ("id", jobId)))
                using (NpgsqlDataReader r = state.ExecuteReader())
                {
                    // A running job is never deleted while its recorder lives, and one recorded elsewhere cannot be judged.
                    if (!r.Read() || (r.GetString(0) == "running" && (!IsThisHost(r, 3) ||
                        StoreRows.IsRecorderAlive(r.IsDBNull(1) ? null : r.GetInt32(1), r.IsDBNull(2) ? null : r.GetInt32(2), liveness))))
                    {
                        continue;
                    }
                }

                using NpgsqlCommand delete = Command(c, t, "DELETE FROM jobs WHERE id_key = lower(@id);", ("id", jobId));
                deleted += delete.ExecuteNonQuery();
                using NpgsqlCommand log = Command(c, t, "DELETE FROM job_logs WHERE job_id = lower(@id);", ("id", jobId));
                log.ExecuteNonQuery();
            }

            long before = StoreRows.ToUnix(emptyBuildsBefore);
            using NpgsqlCommand projects = Command(c, t,
                StoreSql.DeleteEmptyProjects,
                ("before", before));
            int projectsDeleted = projects.ExecuteNonQuery();
            using NpgsqlCommand builds = Command(c, t,
                StoreSql.DeleteEmptyBuilds,
                ("before", before));
            int buildsDeleted = builds.ExecuteNonQuery();
            return new RetentionChange(cleared, deleted, projectsDeleted, buildsDeleted);
        });
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

    public IReadOnlySet<string> ReferencedLocalPaths() => Run(c =>
    {
        using NpgsqlCommand command = Command(c, null, StoreSql.SelectLocalPaths);
        using NpgsqlDataReader reader = command.ExecuteReader();
        return (IReadOnlySet<string>)StoreSql.ReadStrings(reader, StringComparer.Ordinal);
    });

    public IReadOnlySet<string> BuildIds() => Run(c =>
    {
        using NpgsqlCommand command = Command(c, null, "SELECT id FROM builds;");
        using NpgsqlDataReader reader = command.ExecuteReader();
        return (IReadOnlySet<string>)StoreSql.ReadStrings(reader, StringComparer.OrdinalIgnoreCase);
    });

    /// <summary>The server's autovacuum gives freed space back; the tool's role may not VACUUM. Nothing to do here.</summary>
    public long Compact(bool allowFullVacuum, int? maxPages = null) => 0;

    /// <summary>
    /// The build, its projects, its jobs and the jobs' logs (read from their local events files, sent as frames) in one
    /// transaction: all of it or nothing.
    /// </summary>
    public BuildRecord RecordWholeBuild(
        BuildRecord build, IReadOnlyList<ProjectRequest> projects, IReadOnlyList<(int ProjectIndex, JobRecord Job)> jobs)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(projects);
        ArgumentNullException.ThrowIfNull(jobs);
        foreach ((_, JobRecord job) in jobs)
        {
            StoreRows.Validate(job);
        }

        return Write((c, t) =>
        {
            if (Exists(c, t, "builds", build.Id))
            {
                throw Catalog.Store.BuildAlreadyRecorded.Exception(build.Id);
            }

            using (NpgsqlCommand insertBuild = Command(c, t,
                "INSERT INTO builds (id, external_id, origin, working_directory, owner_pid, owner_host, started_at, stopped_at, state, result) " +
                "VALUES (@id, @external, @origin, @cwd, NULL, @host, @started, @stopped, @state, @result);",
                ("id", build.Id), ("external", build.ExternalId), ("origin", StoreText.Of(build.Origin)),
                ("cwd", build.WorkingDirectory), ("host", ThisHost), ("started", StoreRows.ToUnix(build.StartedAt)),
                ("stopped", build.StoppedAt is { } s ? StoreRows.ToUnix(s) : null), ("state", StoreText.Of(build.State)),
                ("result", StoreText.Of(build.Result))))
            {
                insertBuild.ExecuteNonQuery();
            }

            var projectIds = new List<long>();
            foreach (ProjectRequest project in projects)
            {
                using NpgsqlCommand insert = Command(c, t,
                    "INSERT INTO build_projects (build_id, kind, name, project_hash, local_project_path, registry_project_name) " +
                    "VALUES (@build, @kind, @name, @hash, @path, @registry) RETURNING id;",
                    ("build", build.Id), ("kind", StoreText.Of(project.Kind)), ("name", project.Name),
                    ("hash", project.ProjectHash), ("path", project.LocalProjectPath), ("registry", project.RegistryProjectName));
                projectIds.Add((long)insert.ExecuteScalar()!);
            }

            Dictionary<long, ProjectRecord> loaded = LoadProjects(c, [.. projectIds]);
            foreach ((int index, JobRecord job) in jobs)
            {
                if (Exists(c, t, "jobs", job.Id))
                {
                    throw Catalog.Store.AlreadyRecorded.Exception(job.Id);
                }

                long? projectId = index >= 0 && index < projectIds.Count ? projectIds[index] : null;
                JobRecord row = job with { BuildProjectId = projectId, OwnerPid = null };
                object?[] values = StoreRows.JobValues(row, cachedAsInteger: false);
                values[15] = null;
                string columns = string.Join(", ", StoreRows.JobInsertColumns);
                string placeholders = string.Join(", ", Enumerable.Range(1, values.Length + 2).Select(i => "$" + i));
                using var insert = new NpgsqlCommand(
                    $"INSERT INTO jobs ({columns}, owner_host, step_key) VALUES ({placeholders});", c, t);
                foreach (object? value in values)
                {
                    insert.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
                }

                insert.Parameters.Add(new NpgsqlParameter { Value = ThisHost });
                ProjectRecord? project = projectId is { } id && loaded.TryGetValue(id, out ProjectRecord? p) ? p : null;
                insert.Parameters.Add(new NpgsqlParameter { Value = (object?)StepKeys.Of(row, project) ?? DBNull.Value });
                insert.ExecuteNonQuery();
                if (job.LocalPath is { } path && File.Exists(path))
                {
                    InsertWholeLog(c, t, job.Id, File.ReadAllBytes(path));
                }
            }

            return LoadBuild(c, t, build.Id)!;
        });
    }

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

    private static bool Exists(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, string id)
    {
        using NpgsqlCommand command = Command(connection, transaction, $"SELECT 1 FROM {table} WHERE id_key = lower(@id);", ("id", id));
        return command.ExecuteScalar() is not null;
    }
}
