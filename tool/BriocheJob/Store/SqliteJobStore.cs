using System.Data.Common;
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
public sealed partial class SqliteJobStore : SqlJobStore
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
        : base(StoreDialect.Sqlite, JobViewSelect)
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

    public override BuildRecord BeginBuild(BuildRequest request)
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

    public override void SaveJobs(IEnumerable<JobRecord> jobs)
    {
        List<JobRecord> list = Validated(jobs);
        Write((c, t) =>
        {
            // One prepared statement, run once per job, in the one write transaction.
            StoreCommands db = Commands(c, t);
            Dictionary<long, ProjectRecord> projects = StoreSql.ProjectsOf(db, list);
            using DbCommand upsert = db.Command(StoreSql.JobInsert(StoreDialect.Sqlite, upsert: true));
            StoreSql.AddPositional(db, upsert, new object?[StoreSql.JobRowColumns(StoreDialect.Sqlite).Length]);
            upsert.Prepare();
            foreach (JobRecord job in list)
            {
                object?[] values = StoreSql.JobRow(job, job.BuildProjectId is { } id ? projects.GetValueOrDefault(id) : null, StoreDialect.Sqlite);
                for (int i = 0; i < values.Length; i++)
                {
                    upsert.Parameters[i].Value = values[i] ?? DBNull.Value;
                }

                upsert.ExecuteNonQuery();
            }

            return 0;
        });
    }

    public override StoreInfo Describe() => Read(c => new StoreInfo(
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

    public override void Dispose()
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

        SqliteSchema.Migrations.Apply(Commands(connection, transaction), version, $"PRAGMA user_version = {SqliteSchema.CurrentVersion};");
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

    /// <summary>A command of <paramref name="sql"/>, its parameters named with their <c>@</c>.</summary>
    private static SqliteCommand Command(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters) =>
        (SqliteCommand)Commands(connection, transaction).CommandWithProviderNames(sql, parameters);

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

    private static BuildRecord? LoadBuild(SqliteConnection connection, SqliteTransaction? transaction, string id) =>
        StoreSql.LoadBuild(Commands(connection, transaction), id);

    private protected override T OnConnection<T>(Func<StoreCommands, T> read) => Read(c => read(Commands(c)));

    private protected override T InTransaction<T>(Func<StoreCommands, T> write) => Write((c, t) => write(Commands(c, t)));

    private protected override List<JobView> ReadJobViews(DbDataReader reader) => StoreRows.ReadJobViews(reader);

    private static StoreCommands Commands(SqliteConnection connection, SqliteTransaction? transaction = null) =>
        new(connection, transaction, StoreDialect.Sqlite);

}
