using System.Globalization;
using BriocheJob.Diagnostics;
using Microsoft.Data.Sqlite;
using static BriocheJob.Store.StoreRows;

namespace BriocheJob.Store;

/// <summary>
/// The job store in one SQLite file, in WAL mode so several MSBuild nodes (separate processes) can record at once.
/// Every write runs in <c>BEGIN IMMEDIATE</c>, which takes the write lock up front and waits for it (busy timeout)
/// instead of failing with "database is locked" on a read-to-write upgrade. One instance serialises its own callers.
/// </summary>
public sealed partial class SqliteJobStore : IJobStore
{
    /// <summary>How long a writer waits for another process to release the database.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    private const int SqliteReadOnly = 8;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private const int SqliteConstraint = 19;

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private SqliteJobStore(string databasePath, SqliteConnection connection)
    {
        DatabasePath = databasePath;
        _connection = connection;
    }

    public string DatabasePath { get; }

    /// <summary>Opens (creating and migrating as needed) <c>&lt;home&gt;/jobs.db</c>.</summary>
    public static SqliteJobStore Open(DataHome home)
    {
        home.EnsureCreated();
        return Open(home.DatabasePath);
    }

    /// <summary>
    /// Opens (creating and migrating as needed) the database at <paramref name="databasePath"/>, whose folder must exist.
    /// A database written by a newer brioche-job is refused (BJ1002) before anything is written to it.
    /// </summary>
    public static SqliteJobStore Open(string databasePath)
    {
        databasePath = Path.GetFullPath(databasePath);
        StoreFiles.CreatePrivateEmptyFile(databasePath);

        SqliteConnection? connection = null;
        try
        {
            connection = new SqliteConnection(ConnectionString(databasePath, SqliteOpenMode.ReadWrite));
            connection.Open();
            // Opening and reading user_version write nothing, so a newer database is refused untouched.
            Execute(connection, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};");
            int version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"));
            ThrowIfNewer(version, databasePath);
            PrepareNewDatabase(connection, version);
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
            if (version < SqliteSchema.CurrentVersion)
            {
                // Only an old or new file takes the write lock; a current one is opened without waiting on writers.
                Migrate(connection, databasePath);
            }
            StoreFiles.MakeDatabasePrivate(databasePath);

            return new SqliteJobStore(databasePath, connection);
        }
        catch (SqliteException ex)
        {
            connection?.Dispose();
            throw Translate(ex, databasePath);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens an existing database for reading only, creating and changing nothing: for reading commands whose data
    /// home cannot be written (a read-only mount, another user's records). An older schema is read only when current.
    /// </summary>
    public static SqliteJobStore OpenReadOnly(string databasePath)
    {
        databasePath = Path.GetFullPath(databasePath);
        SqliteConnection? connection = null;
        try
        {
            int version;
            try
            {
                connection = new SqliteConnection(ConnectionString(databasePath, SqliteOpenMode.ReadOnly));
                connection.Open();
                Execute(connection, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};");
                version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"));
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteReadOnly)
            {
                // WAL mode needs jobs.db-shm, which a folder we cannot write cannot get: with nobody able to write
                // there, the file cannot change under us, so SQLite may read it as immutable.
                connection?.Dispose();
                connection = new SqliteConnection(ConnectionString(
                    "file:" + Uri.EscapeDataString(databasePath).Replace("%2F", "/", StringComparison.Ordinal) + "?immutable=1",
                    SqliteOpenMode.ReadOnly));
                connection.Open();
                version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"));
            }

            ThrowIfNewer(version, databasePath);
            if (version != SqliteSchema.CurrentVersion)
            {
                throw Catalog.Store.UpgradeNeedsWriteAccess.Exception(databasePath, version, SqliteSchema.CurrentVersion);
            }

            return new SqliteJobStore(databasePath, connection);
        }
        catch (SqliteException ex)
        {
            connection?.Dispose();
            throw Translate(ex, databasePath);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    /// <summary>An empty store in memory, for reading a data home that has no database yet without creating one.</summary>
    public static SqliteJobStore OpenEmpty()
    {
        var connection = new SqliteConnection(ConnectionString(":memory:", SqliteOpenMode.Memory));
        connection.Open();
        Execute(connection, "PRAGMA foreign_keys = ON;");
        Migrate(connection, ":memory:");
        return new SqliteJobStore(":memory:", connection);
    }

    /// <summary>The schema version recorded in the database (0 for an empty file).</summary>
    public int SchemaVersion => Read(c => Convert.ToInt32(Scalar(c, "PRAGMA user_version;")));

    /// <summary>The journal mode the connection runs in ("wal").</summary>
    public string JournalMode => Read(c => (string)Scalar(c, "PRAGMA journal_mode;")!);

    public BuildRecord BeginBuild(BuildRequest request)
    {
        ValidateExternalId(request);

        DateTimeOffset startedAt = request.StartedAt ?? DateTimeOffset.UtcNow;
        int ownerPid = request.OwnerPid ?? Environment.ProcessId;
        return Write((c, t) =>
        {
            if (request.ExternalId is not null)
            {
                // Reuse: one CI run, many `dotnet build` invocations, one build row.
                // Another node's provenance stays; what it lacked (say, a CI run id) is filled in.
                using SqliteCommand reopen = Command(c, t,
                    "UPDATE builds SET state = 'running', owner_pid = @owner, " + string.Format(CultureInfo.InvariantCulture, StoreSql.ProvenanceFillIn, "") +
                    " WHERE external_id = @external RETURNING id;",
                    [("@owner", ownerPid), ("@external", request.ExternalId), .. StoreSql.ProvenanceParameters(request.Provenance, StoreDialect.Sqlite)]);
                if (reopen.ExecuteScalar() is string existingId)
                {
                    return LoadBuild(c, t, existingId)!;
                }
            }

            string id = Ulid.NewUlid(startedAt);
            using SqliteCommand insert = Command(c, t,
                "INSERT INTO builds (id, external_id, origin, working_directory, owner_pid, started_at, state, " +
                $"{StoreSql.ProvenanceColumns}) VALUES (@id, @external, @origin, @cwd, @owner, @started, 'running', " +
                $"{StoreSql.ProvenanceValues});",
                [("@id", id), ("@external", request.ExternalId), ("@origin", StoreText.Of(request.Origin)),
                 ("@cwd", request.WorkingDirectory), ("@owner", ownerPid), ("@started", ToUnix(startedAt)),
                 .. StoreSql.ProvenanceParameters(request.Provenance, StoreDialect.Sqlite)]);
            insert.ExecuteNonQuery();
            return LoadBuild(c, t, id)!;
        });
    }

    public BuildRecord FinishBuild(string buildId, RunState state, RunResult? result, DateTimeOffset? stoppedAt = null)
    {
        long stopped = ToUnix(stoppedAt ?? DateTimeOffset.UtcNow);
        return Write((c, t) =>
        {
            using SqliteCommand update = Command(c, t,
                "UPDATE builds SET state = @state, stopped_at = max(coalesce(stopped_at, @stopped), @stopped), " +
                "result = CASE WHEN result = 'failed' THEN 'failed' ELSE @result END WHERE id = @id RETURNING id;",
                ("@state", StoreText.Of(state)), ("@stopped", stopped), ("@result", StoreText.Of(result)), ("@id", buildId));
            string id = update.ExecuteScalar() as string ?? throw UnknownBuild(buildId);
            return LoadBuild(c, t, id)!;
        });
    }

    public ProjectRecord AddProject(string buildId, ProjectRequest project)
    {
        ArgumentNullException.ThrowIfNull(project);
        return Write((c, t) =>
        {
            using SqliteCommand findBuild = Command(c, t, "SELECT id FROM builds WHERE id = @id;", ("@id", buildId));
            string canonicalBuildId = findBuild.ExecuteScalar() as string ?? throw UnknownBuild(buildId);
            var values = new (string, object?)[]
            {
                ("@build", canonicalBuildId), ("@kind", StoreText.Of(project.Kind)), ("@name", project.Name),
                ("@hash", project.ProjectHash), ("@path", project.LocalProjectPath), ("@registry", project.RegistryProjectName),
            };
            using SqliteCommand existing = Command(c, t,
                $"SELECT {ProjectColumns} FROM build_projects p WHERE p.build_id = @build AND p.kind = @kind " +
                "AND p.name IS @name AND p.project_hash IS @hash AND p.local_project_path IS @path " +
                "AND p.registry_project_name IS @registry LIMIT 1;",
                values);
            using (SqliteDataReader reader = existing.ExecuteReader())
            {
                if (reader.Read())
                {
                    return ReadProject(reader, 0)!;
                }
            }

            using SqliteCommand insert = Command(c, t,
                "INSERT INTO build_projects (build_id, kind, name, project_hash, local_project_path, registry_project_name) " +
                "VALUES (@build, @kind, @name, @hash, @path, @registry) RETURNING id;",
                values);
            long id = (long)insert.ExecuteScalar()!;
            return new ProjectRecord(id, canonicalBuildId, project.Kind, project.Name, project.ProjectHash,
                project.LocalProjectPath, project.RegistryProjectName);
        });
    }

    public void SaveJob(JobRecord job) => SaveJobs([job]);

    public void SaveJobs(IEnumerable<JobRecord> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        List<JobRecord> list = jobs.ToList();
        foreach (JobRecord job in list)
        {
            Validate(job);
        }

        Write((c, t) =>
        {
            using SqliteCommand upsert = Command(c, t,
                "INSERT INTO jobs (id, build_projects_id, kind, name, started_at, stopped_at, state, result, exit_code, " +
                "signal, message, cached, recipe_hash, recipe_meta, pid, owner_pid, local_path, step_key) VALUES (@id, " +
                "@project, @kind, @name, @started, @stopped, @state, @result, @exit, @signal, @message, @cached, @recipe, " +
                "@meta, @pid, @owner, @local, @stepKey) ON CONFLICT(id) DO UPDATE SET build_projects_id = excluded.build_projects_id, " +
                "kind = excluded.kind, name = excluded.name, started_at = excluded.started_at, " +
                "stopped_at = excluded.stopped_at, state = excluded.state, result = excluded.result, " +
                "exit_code = excluded.exit_code, signal = excluded.signal, message = excluded.message, " +
                "cached = excluded.cached, recipe_hash = excluded.recipe_hash, recipe_meta = excluded.recipe_meta, " +
                "pid = excluded.pid, owner_pid = excluded.owner_pid, local_path = excluded.local_path, " +
                "step_key = excluded.step_key " +
                // A job belongs to the build that recorded it first, forever: another build's save is a no-op.
                "WHERE jobs.build_projects_id IS excluded.build_projects_id OR jobs.build_projects_id IS NULL;");
            string[] names =
            [
                "@id", "@project", "@kind", "@name", "@started", "@stopped", "@state", "@result", "@exit", "@signal",
                "@message", "@cached", "@recipe", "@meta", "@pid", "@owner", "@local", "@stepKey",
            ];
            foreach (string name in names)
            {
                upsert.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            upsert.Prepare();
            var projects = new Dictionary<long, ProjectRecord?>();
            foreach (JobRecord job in list)
            {
                object?[] values =
                [
                    .. JobValues(job, cachedAsInteger: true),
                    StepKeys.Of(job, ProjectOf(c, t, job.BuildProjectId, projects)),
                ];
                for (int i = 0; i < values.Length; i++)
                {
                    upsert.Parameters[i].Value = values[i] ?? DBNull.Value;
                }

                upsert.ExecuteNonQuery();
            }

            return 0;
        });
    }

    public bool JobExists(string id) =>
        Read(c => Scalar(c, "SELECT 1 FROM jobs WHERE id = @id;", ("@id", id)) is not null);

    public JobView? GetJob(string id) =>
        Read(c => ReadJobViews(c, $"{JobViewSelect} WHERE j.id = @id;", ("@id", id)).FirstOrDefault());

    public IReadOnlyList<JobView> QueryJobs(JobQuery query)
    {
        (string sql, (string, object?)[] parameters) = StoreSql.Jobs(JobViewSelect, query, StoreDialect.Sqlite);
        return Read(c => ReadJobViews(c, sql, parameters));
    }

    public IReadOnlyList<JobView> FindJobsByIdPrefix(string prefix, int max)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        (string sql, (string, object?)[] parameters) = StoreSql.JobsByIdPrefix(JobViewSelect, StoreDialect.Sqlite, prefix, max);
        return Read(c => ReadJobViews(c, sql, parameters));
    }

    public IReadOnlyList<JobView> FindJobsByRecipeHashPrefix(string prefix, int max)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return Read(c =>
        {
            // SQLite takes bare columns of a max() aggregate from the row holding the max: the latest job per hash.
            var ids = new List<string>();
            (string range, (string, object?)[] bounds) = StoreDialect.Sqlite.StartsWith("recipe_hash", prefix);
            using (SqliteCommand command = Command(c, null,
                $"SELECT id, max(started_at) FROM jobs WHERE {range} GROUP BY recipe_hash LIMIT @max;",
                [.. bounds, ("@max", max)]))
            using (SqliteDataReader reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    ids.Add(reader.GetString(0));
                }
            }

            return MostRecentFirst(
                ids.Select(id => ReadJobViews(c, $"{JobViewSelect} WHERE j.id = @id;", ("@id", id)).Single()));
        });
    }

    public IReadOnlyList<JobView> FindJobsByPid(int pid, int max)
    {
        (string sql, (string, object?)[] parameters) = StoreSql.JobsByPid(JobViewSelect, StoreDialect.Sqlite, pid, max);
        return Read(c => ReadJobViews(c, sql, parameters));
    }

    public IReadOnlyList<BuildSummary> QueryBuilds(int limit, int offset = 0, BuildFilter? where = null) => Read(c =>
    {
        var conditions = new List<string>();
        var parameters = new List<(string, object?)> { ("@limit", Math.Max(0, limit)), ("@offset", Math.Max(0, offset)) };
        StoreSql.AddBuildFilter(where, conditions, parameters, StoreDialect.Sqlite);
        using SqliteCommand command = Command(c, null,
            $"SELECT {BuildColumns}, " +
            "(SELECT count(*) FROM build_projects p WHERE p.build_id = b.id), " +
            "(SELECT count(*) FROM jobs j JOIN build_projects p ON p.id = j.build_projects_id WHERE p.build_id = b.id), " +
            "(SELECT count(*) FROM jobs j JOIN build_projects p ON p.id = j.build_projects_id " +
            "WHERE p.build_id = b.id AND j.result = 'failed') " +
            $"FROM builds b{(conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions))} " +
            "ORDER BY b.started_at DESC, b.id DESC LIMIT @limit OFFSET @offset;",
            [.. parameters]);
        using SqliteDataReader reader = command.ExecuteReader();
        var liveness = new Dictionary<int, bool>();
        return StoreSql.ReadBuildSummaries(reader, r => ReadBuild(r, 0, liveness)!, extra: 0);
    });

    public BuildDetails? GetBuild(string idOrExternalId) => Read(c =>
    {
        string? id;
        using (SqliteCommand find = Command(c, null,
            "SELECT id FROM builds WHERE id = @key UNION ALL SELECT id FROM builds WHERE external_id = @key LIMIT 1;",
            ("@key", idOrExternalId)))
        {
            id = find.ExecuteScalar() as string;
        }

        BuildRecord? build = id is null ? null : LoadBuild(c, null, id);
        if (build is null)
        {
            return null;
        }

        var projects = new List<ProjectRecord>();
        using (SqliteCommand command = Command(c, null,
            $"SELECT {ProjectColumns} FROM build_projects p WHERE p.build_id = @build ORDER BY p.id;", ("@build", build.Id)))
        using (SqliteDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                projects.Add(ReadProject(reader, 0)!);
            }
        }

        var projectsById = projects.ToDictionary(p => p.Id);
        var jobs = new List<JobView>();
        var liveness = new Dictionary<int, bool>();
        using (SqliteCommand command = Command(c, null,
            $"{BuildJobsSelect} WHERE p.build_id = @build;", ("@build", build.Id)))
        using (SqliteDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                jobs.Add(BuildJobView(reader, ReadJob(reader, liveness), build, projectsById));
            }
        }

        // Sorted here rather than by SQLite, which would copy every row (recipe meta and all) into a temporary b-tree
        // first; the order is ORDER BY started_at DESC, id DESC (ids compare as bytes there, ordinally here).
        jobs.Sort(static (a, b) => a.Job.StartedAt != b.Job.StartedAt
            ? b.Job.StartedAt.CompareTo(a.Job.StartedAt)
            : string.CompareOrdinal(b.Job.Id, a.Job.Id));

        return new BuildDetails(build, projects, jobs);
    });

    public IReadOnlyList<BuildRecord> FindBuildsByIdPrefix(string prefix, int max)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return Read(c =>
        {
            (string sql, (string, object?)[] parameters) =
                StoreSql.BuildsByIdPrefix($"SELECT {BuildColumns} FROM builds b", StoreDialect.Sqlite, prefix, max);
            using SqliteCommand command = Command(c, null, sql, parameters);
            using SqliteDataReader reader = command.ExecuteReader();
            var liveness = new Dictionary<int, bool>();
            return StoreSql.ReadBuilds(reader, r => ReadBuild(r, 0, liveness)!);
        });
    }

    public bool DiscardIfEmpty(string buildId) => Write((c, t) =>
    {
        ArgumentNullException.ThrowIfNull(buildId);
        using (SqliteCommand projects = Command(c, t,
            "DELETE FROM build_projects WHERE build_id = @build AND NOT EXISTS " +
            "(SELECT 1 FROM jobs WHERE jobs.build_projects_id = build_projects.id);", ("@build", buildId)))
        {
            projects.ExecuteNonQuery();
        }

        using SqliteCommand build = Command(c, t,
            "DELETE FROM builds WHERE id = @build AND NOT EXISTS (SELECT 1 FROM build_projects WHERE build_id = @build);",
            ("@build", buildId));
        return build.ExecuteNonQuery() > 0;
    });

    public int MarkInterrupted() => Write((c, t) =>
    {
        int changed = 0;
        var liveness = new Dictionary<int, bool>();
        foreach (string table in (string[])["jobs", "builds"])
        {
            var stale = new List<(string Id, long? Owner)>();
            using (SqliteCommand running = Command(c, t,
                table == "jobs"
                    ? "SELECT id, owner_pid, pid FROM jobs WHERE state = 'running';"
                    : "SELECT id, owner_pid, NULL FROM builds WHERE state = 'running';"))
            using (SqliteDataReader reader = running.ExecuteReader())
            {
                while (reader.Read())
                {
                    int? owner = reader.IsDBNull(1) ? null : reader.GetInt32(1);
                    int? pid = reader.IsDBNull(2) ? null : reader.GetInt32(2);
                    if (!IsRecorderAlive(owner, pid, liveness))
                    {
                        stale.Add((reader.GetString(0), owner));
                    }
                }
            }

            foreach ((string id, long? owner) in stale)
            {
                // The owner guard skips a row that a new recorder took over since we looked.
                using SqliteCommand mark = Command(c, t,
                    $"UPDATE {table} SET state = 'interrupted' WHERE id = @id AND state = 'running' AND owner_pid IS @owner;",
                    ("@id", id), ("@owner", owner));
                changed += mark.ExecuteNonQuery();
            }
        }

        return changed;
    });

    public BuildRecord ImportBuild(BuildRecord build)
    {
        ArgumentNullException.ThrowIfNull(build);
        return Write((c, t) =>
        {
            using (SqliteCommand insert = Command(c, t,
                "INSERT INTO builds (id, external_id, origin, working_directory, owner_pid, started_at, stopped_at, state, result, " +
                $"{StoreSql.ProvenanceColumns}) VALUES (@id, @external, @origin, @cwd, @owner, @started, @stopped, @state, @result, " +
                $"{StoreSql.ProvenanceValues}) ON CONFLICT DO NOTHING;",
                [("@id", build.Id), ("@external", build.ExternalId), ("@origin", StoreText.Of(build.Origin)),
                 ("@cwd", build.WorkingDirectory), ("@owner", build.OwnerPid), ("@started", ToUnix(build.StartedAt)),
                 ("@stopped", build.StoppedAt is { } stopped ? ToUnix(stopped) : null), ("@state", StoreText.Of(build.State)),
                 ("@result", StoreText.Of(build.Result)), .. StoreSql.ProvenanceParameters(build.Provenance, StoreDialect.Sqlite)]))
            {
                insert.ExecuteNonQuery();
            }

            using SqliteCommand find = Command(c, t,
                "SELECT id FROM builds WHERE id = @id UNION ALL SELECT id FROM builds WHERE external_id = @external LIMIT 1;",
                ("@id", build.Id), ("@external", build.ExternalId));
            return LoadBuild(c, t, (string)find.ExecuteScalar()!)!;
        });
    }

    public StoreInfo Describe() => Read(c => new StoreInfo(
        "sqlite", DatabasePath, Convert.ToInt32(Scalar(c, "PRAGMA user_version;")),
        Convert.ToInt64(Scalar(c, "SELECT count(*) FROM builds;")),
        Convert.ToInt64(Scalar(c, "SELECT count(*) FROM build_projects;")),
        Convert.ToInt64(Scalar(c, "SELECT count(*) FROM jobs;"))));

    /// <summary>Deletes builds with their projects and jobs (the spool, once they reached the server).</summary>
    internal int DeleteBuilds(IEnumerable<string> buildIds) => Write((c, t) =>
    {
        int deleted = 0;
        foreach (string id in buildIds)
        {
            using SqliteCommand jobs = Command(c, t,
                "DELETE FROM jobs WHERE build_projects_id IN (SELECT id FROM build_projects WHERE build_id = @id);", ("@id", id));
            jobs.ExecuteNonQuery();
            using SqliteCommand projects = Command(c, t, "DELETE FROM build_projects WHERE build_id = @id;", ("@id", id));
            projects.ExecuteNonQuery();
            using SqliteCommand builds = Command(c, t, "DELETE FROM builds WHERE id = @id;", ("@id", id));
            deleted += builds.ExecuteNonQuery();
        }

        return deleted;
    });

    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }
    }

    private static void ThrowIfNewer(int version, string path) =>
        SqliteSchema.Migrations.ThrowIfNewer(version, path, $"set {DataHome.HomeVariable} to another folder");

    private static void Migrate(SqliteConnection connection, string path)
    {
        using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
        // Read again under the write lock: another process may have migrated since we checked.
        int version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;", transaction));
        ThrowIfNewer(version, path);
        if (version == SqliteSchema.CurrentVersion)
        {
            transaction.Rollback();
            return;
        }

        if (version == 0 && Convert.ToInt32(Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('builds', 'build_projects', 'jobs');", transaction)) > 0)
        {
            // Our tables but no version: not ours, or its user_version was reset. Guessing its schema could lose records.
            transaction.Rollback();
            throw Catalog.Store.NoSchemaVersion.Exception(path);
        }

        foreach (Migration migration in SqliteSchema.Migrations.After(version))
        {
            Execute(connection, migration.Sql, transaction);
        }

        if (version > 0 && version < SqliteSchema.StepKeyVersion)
        {
            BackfillStepKeys(connection, transaction);
        }

        Execute(connection, $"PRAGMA user_version = {SqliteSchema.CurrentVersion};", transaction);
        transaction.Commit();
    }

    private static string ConnectionString(string path, SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = mode,
        // A pooled connection would keep the file open after Dispose; each store holds one connection anyway.
        Pooling = false,
        DefaultTimeout = (int)BusyTimeout.TotalSeconds,
    }.ToString();

    private static BriocheJobException Translate(SqliteException ex, string path) => ex.SqliteErrorCode switch
    {
        SqliteNotADatabase or SqliteCorrupt => Catalog.Store.DatabaseCorrupt.ExceptionFrom(ex, path, OneLine(ex.Message)),
        SqliteConstraint when ex.Message.Contains("FOREIGN KEY", StringComparison.Ordinal) => Catalog.Store.UnknownReference.ExceptionFrom(ex),
        _ => Catalog.Store.DatabaseFailed.ExceptionFrom(ex, path, OneLine(ex.Message)),
    };

    private T Read<T>(Func<SqliteConnection, T> read)
    {
        lock (_gate)
        {
            try
            {
                return read(_connection);
            }
            catch (SqliteException ex)
            {
                throw Translate(ex, DatabasePath);
            }
        }
    }

    private T Write<T>(Func<SqliteConnection, SqliteTransaction, T> write)
    {
        lock (_gate)
        {
            try
            {
                using SqliteTransaction transaction = _connection.BeginTransaction(deferred: false);
                T result = write(_connection, transaction);
                transaction.Commit();
                return result;
            }
            catch (SqliteException ex)
            {
                throw Translate(ex, DatabasePath);
            }
        }
    }

    private static SqliteCommand Command(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach ((string name, object? value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static object? Scalar(
        SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using SqliteCommand command = Command(connection, null, sql, parameters);
        return command.ExecuteScalar();
    }

    private static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction transaction)
    {
        using SqliteCommand command = Command(connection, transaction, sql);
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using SqliteCommand command = Command(connection, transaction, sql);
        command.ExecuteNonQuery();
    }

    private static BuildRecord? LoadBuild(SqliteConnection connection, SqliteTransaction? transaction, string id)
    {
        using SqliteCommand command = Command(connection, transaction,
            $"SELECT {BuildColumns} FROM builds b WHERE b.id = @id;", ("@id", id));
        using SqliteDataReader reader = command.ExecuteReader();
        return reader.Read() ? ReadBuild(reader, 0, new Dictionary<int, bool>()) : null;
    }

    private static IReadOnlyList<JobView> ReadJobViews(
        SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using SqliteCommand command = Command(connection, null, sql, parameters);
        using SqliteDataReader reader = command.ExecuteReader();
        return StoreRows.ReadJobViews(reader);
    }
}
