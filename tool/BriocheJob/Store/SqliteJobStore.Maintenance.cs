using BriocheJob.Diagnostics;
using Microsoft.Data.Sqlite;

namespace BriocheJob.Store;

/// <summary>Retention and whole-build recording (<see cref="IStoreMaintenance"/>) for the SQLite store.</summary>
public sealed partial class SqliteJobStore : IStoreMaintenance
{
    /// <summary>SQLite's <c>PRAGMA auto_vacuum</c> value for INCREMENTAL.</summary>
    private const int AutoVacuumIncremental = 2;

    /// <summary>
    /// A new database gets <c>auto_vacuum = INCREMENTAL</c> before its first table, so <c>prune</c> can give freed
    /// pages back without rewriting the file. Older databases switch on their first <c>prune</c> (one VACUUM).
    /// </summary>
    private static void PrepareNewDatabase(SqliteConnection connection, int version)
    {
        if (version == 0)
        {
            Execute(connection, "PRAGMA auto_vacuum = INCREMENTAL;");
        }
    }

    /// <summary><c>PRAGMA auto_vacuum</c>: 0 none, 1 full, 2 incremental.</summary>
    public int AutoVacuumMode => Read(c => Convert.ToInt32(Scalar(c, "PRAGMA auto_vacuum;")));

    public RetentionChange ApplyRetention(
        IReadOnlyCollection<string> clearLogJobIds, IReadOnlyCollection<string> deleteJobIds, DateTimeOffset emptyBuildsBefore)
    {
        ArgumentNullException.ThrowIfNull(clearLogJobIds);
        ArgumentNullException.ThrowIfNull(deleteJobIds);
        return Write((c, t) =>
        {
            int cleared = 0, deleted = 0;
            using (SqliteCommand clear = Command(c, t, "UPDATE jobs SET local_path = NULL WHERE id = @id AND local_path IS NOT NULL;"))
            {
                SqliteParameter id = clear.Parameters.Add("@id", SqliteType.Text);
                foreach (string jobId in clearLogJobIds)
                {
                    id.Value = jobId;
                    cleared += clear.ExecuteNonQuery();
                }
            }

            var liveness = new Dictionary<int, bool>();
            using (SqliteCommand state = Command(c, t, "SELECT state, owner_pid, pid FROM jobs WHERE id = @id;"))
            using (SqliteCommand delete = Command(c, t, "DELETE FROM jobs WHERE id = @id;"))
            {
                SqliteParameter stateId = state.Parameters.Add("@id", SqliteType.Text);
                SqliteParameter deleteId = delete.Parameters.Add("@id", SqliteType.Text);
                foreach (string jobId in deleteJobIds)
                {
                    stateId.Value = jobId;
                    using (SqliteDataReader reader = state.ExecuteReader())
                    {
                        // A job whose recorder is alive is never deleted, whatever the caller planned.
                        if (!reader.Read() || (reader.GetString(0) == "running" &&
                            StoreRows.IsRecorderAlive(NullableInt(reader, 1), NullableInt(reader, 2), liveness)))
                        {
                            continue;
                        }
                    }

                    deleteId.Value = jobId;
                    deleted += delete.ExecuteNonQuery();
                }
            }

            long before = StoreRows.ToUnix(emptyBuildsBefore);
            using SqliteCommand projects = Command(c, t,
                StoreSql.DeleteEmptyProjects,
                ("@before", before));
            int projectsDeleted = projects.ExecuteNonQuery();
            using SqliteCommand builds = Command(c, t,
                StoreSql.DeleteEmptyBuilds,
                ("@before", before));
            int buildsDeleted = builds.ExecuteNonQuery();
            return new RetentionChange(cleared, deleted, projectsDeleted, buildsDeleted);
        });
    }

    public IReadOnlySet<string> ReferencedLocalPaths() => Read(c =>
    {
        using SqliteCommand command = Command(c, null, StoreSql.SelectLocalPaths);
        using SqliteDataReader reader = command.ExecuteReader();
        return (IReadOnlySet<string>)StoreSql.ReadStrings(reader, StringComparer.Ordinal);
    });

    public IReadOnlySet<string> BuildIds() => Read(c =>
    {
        using SqliteCommand command = Command(c, null, "SELECT id FROM builds;");
        using SqliteDataReader reader = command.ExecuteReader();
        return (IReadOnlySet<string>)StoreSql.ReadStrings(reader, StringComparer.OrdinalIgnoreCase);
    });

    public long Compact(bool allowFullVacuum, int? maxPages = null) => Read(c =>
    {
        long pageSize = Convert.ToInt64(Scalar(c, "PRAGMA page_size;"));
        long pagesBefore = Convert.ToInt64(Scalar(c, "PRAGMA page_count;"));
        int mode = Convert.ToInt32(Scalar(c, "PRAGMA auto_vacuum;"));
        if (mode != AutoVacuumIncremental && allowFullVacuum)
        {
            // The mode of an existing file changes only through a VACUUM, which rewrites it once.
            Execute(c, "PRAGMA auto_vacuum = INCREMENTAL;");
            Execute(c, "VACUUM;");
        }
        else if (mode == AutoVacuumIncremental)
        {
            Execute(c, maxPages is { } pages ? $"PRAGMA incremental_vacuum({Math.Max(1, pages)});" : "PRAGMA incremental_vacuum;");
        }

        // Move the result from the WAL into the file; a busy reader only delays it, which is fine.
        Execute(c, "PRAGMA wal_checkpoint(TRUNCATE);");
        long pagesAfter = Convert.ToInt64(Scalar(c, "PRAGMA page_count;"));
        return Math.Max(0, pagesBefore - pagesAfter) * pageSize;
    });

    public BuildRecord RecordWholeBuild(
        BuildRecord build, IReadOnlyList<ProjectRequest> projects, IReadOnlyList<(int ProjectIndex, JobRecord Job)> jobs)
    {
        ArgumentNullException.ThrowIfNull(build);
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

            using (SqliteCommand insertBuild = Command(c, t,
                "INSERT INTO builds (id, external_id, origin, working_directory, owner_pid, started_at, stopped_at, state, result) " +
                "VALUES (@id, @external, @origin, @cwd, NULL, @started, @stopped, @state, @result);",
                ("@id", build.Id), ("@external", build.ExternalId), ("@origin", StoreText.Of(build.Origin)),
                ("@cwd", build.WorkingDirectory), ("@started", StoreRows.ToUnix(build.StartedAt)),
                ("@stopped", build.StoppedAt is { } s ? StoreRows.ToUnix(s) : null), ("@state", StoreText.Of(build.State)),
                ("@result", StoreText.Of(build.Result))))
            {
                insertBuild.ExecuteNonQuery();
            }

            var projectIds = new List<long>();
            var projectRecords = new List<ProjectRecord>();
            foreach (ProjectRequest project in projects)
            {
                using SqliteCommand insert = Command(c, t,
                    "INSERT INTO build_projects (build_id, kind, name, project_hash, local_project_path, registry_project_name) " +
                    "VALUES (@build, @kind, @name, @hash, @path, @registry) RETURNING id;",
                    ("@build", build.Id), ("@kind", StoreText.Of(project.Kind)), ("@name", project.Name),
                    ("@hash", project.ProjectHash), ("@path", project.LocalProjectPath), ("@registry", project.RegistryProjectName));
                long projectId = (long)insert.ExecuteScalar()!;
                projectIds.Add(projectId);
                projectRecords.Add(new ProjectRecord(projectId, build.Id, project.Kind, project.Name, project.ProjectHash,
                    project.LocalProjectPath, project.RegistryProjectName));
            }

            foreach ((int index, JobRecord job) in jobs)
            {
                if (Exists(c, t, "jobs", job.Id))
                {
                    throw Catalog.Store.AlreadyRecorded.Exception(job.Id);
                }

                using SqliteCommand insert = Command(c, t,
                    "INSERT INTO jobs (id, build_projects_id, kind, name, started_at, stopped_at, state, result, exit_code, " +
                    "signal, message, cached, recipe_hash, recipe_meta, pid, owner_pid, local_path, step_key) VALUES (@id, @project, " +
                    "@kind, @name, @started, @stopped, @state, @result, @exit, @signal, @message, @cached, @recipe, @meta, " +
                    "@pid, NULL, @local, @stepKey);",
                    ("@id", job.Id), ("@project", index >= 0 && index < projectIds.Count ? projectIds[index] : null),
                    ("@kind", StoreText.Of(job.Kind)), ("@name", job.Name), ("@started", StoreRows.ToUnix(job.StartedAt)),
                    ("@stopped", job.StoppedAt is { } stopped ? StoreRows.ToUnix(stopped) : null), ("@state", StoreText.Of(job.State)),
                    ("@result", StoreText.Of(job.Result)), ("@exit", job.ExitCode), ("@signal", job.Signal),
                    ("@message", job.Message), ("@cached", job.Cached ? 1 : 0), ("@recipe", job.RecipeHash),
                    ("@meta", job.RecipeMeta), ("@pid", job.Pid), ("@local", job.LocalPath),
                    ("@stepKey", StepKeys.Of(job, index >= 0 && index < projectRecords.Count ? projectRecords[index] : null)));
                insert.ExecuteNonQuery();
            }

            return LoadBuild(c, t, build.Id)!;
        });
    }

    private static bool Exists(SqliteConnection connection, SqliteTransaction transaction, string table, string id)
    {
        using SqliteCommand command = Command(connection, transaction, $"SELECT 1 FROM {table} WHERE id = @id;", ("@id", id));
        return command.ExecuteScalar() is not null;
    }

    private static int? NullableInt(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetInt32(ordinal);
}
