using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using BriocheJob.Diagnostics;
using Npgsql;
using static BriocheJob.Store.StoreRows;

namespace BriocheJob.Store;

/// <summary>
/// The job store in a PostgreSQL server, shared by many machines: the same tables, answers and errors as
/// <see cref="SqliteJobStore"/>, plus the jobs' logs as zstd frames (<c>job_log_frames</c>). Connections come from
/// one pooled data source (Npgsql's slim builder, so Native AOT stays small). Writes are single transactions;
/// concurrent recorders of one build serialise on the build row.
/// A running record is judged interrupted only on the machine that recorded it (<c>owner_host</c>).
/// </summary>
public sealed partial class PostgresJobStore : SqlJobStore, IJobStore, IJobLogStore
{
    private const string JobViewSelectWithHosts =
        $"SELECT {JobColumns}, {ProjectColumns}, {BuildColumns}, j.owner_host, b.owner_host FROM jobs j " +
        "LEFT JOIN build_projects p ON p.id = j.build_projects_id LEFT JOIN builds b ON b.id = p.build_id";

    private const string PrefixHigh = " || chr(1114111)";

    private readonly NpgsqlDataSource _dataSource;

    private PostgresJobStore(StoreLocation location, NpgsqlDataSource dataSource)
        : base(StoreDialect.Postgres, JobViewSelectWithHosts)
    {
        Location = location;
        _dataSource = dataSource;
    }

    public StoreLocation Location { get; }

    /// <summary>This machine's name, as written to <c>owner_host</c>.</summary>
    public static string ThisHost => StoreRows.ThisHost;

    /// <summary>
    /// Connects, and migrates under an advisory lock when the schema is older than this build (which needs the
    /// owner's rights: BJ1102 otherwise). A newer schema is refused (BJ1002) before anything is written.
    /// </summary>
    public static PostgresJobStore Open(StoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (!location.IsServer)
        {
            throw new ArgumentException("not a server location", nameof(location));
        }

        var builder = new NpgsqlSlimDataSourceBuilder(location.ConnectionString);
        // A recorder or a long-lived reader runs the same few statements again and again: prepare them after two uses,
        // so planning (which costs more than running these indexed lookups) is paid once per connection.
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }
        // The durability of the embedded store (WAL, synchronous=NORMAL): a server crash may lose the last commits,
        // never corrupt them, and a recorder does not wait for a disk flush per job. A role or URI can override it.
        if (builder.ConnectionStringBuilder.Options?.Contains("synchronous_commit", StringComparison.Ordinal) != true)
        {
            builder.ConnectionStringBuilder.Options = (builder.ConnectionStringBuilder.Options + " -c synchronous_commit=off").Trim();
        }

        builder.EnableTransportSecurity();
        NpgsqlDataSource dataSource = builder.Build();
        var store = new PostgresJobStore(location, dataSource);
        try
        {
            store.Run(connection =>
            {
                int version = ReadVersion(connection, null);
                ThrowIfNewer(version, location);
                if (version < PostgresSchema.CurrentVersion)
                {
                    Migrate(connection, location);
                }

                return 0;
            });
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>The schema version recorded in the server.</summary>
    public int SchemaVersion => Run(c => ReadVersion(c, null));

    public override BuildRecord BeginBuild(BuildRequest request)
    {
        ValidateExternalId(request);
        DateTimeOffset startedAt = request.StartedAt ?? DateTimeOffset.UtcNow;
        int ownerPid = request.OwnerPid ?? Environment.ProcessId;
        string id = Ulid.NewUlid(startedAt);
        return Write((c, t) =>
        {
            // With an external id, the insert and the reuse are one statement: concurrent first recorders of one CI
            // run cannot both insert.
            // A rejoined build keeps another node's provenance and fills in what it lacked (say, a CI run id).
            const string Insert =
                "INSERT INTO builds (id, external_id, origin, working_directory, owner_pid, owner_host, started_at, state, " +
                $"{StoreSql.ProvenanceColumns}) VALUES (@id, @external, @origin, @cwd, @owner, @host, @started, 'running', " +
                $"{StoreSql.ProvenanceValues})";
            string sql = request.ExternalId is null
                ? Insert + " RETURNING id;"
                : Insert + " ON CONFLICT (external_id) " +
                  "DO UPDATE SET state = 'running', owner_pid = excluded.owner_pid, owner_host = excluded.owner_host, " +
                  string.Format(CultureInfo.InvariantCulture, StoreSql.ProvenanceFillIn, "builds.") + " RETURNING id;";
            using NpgsqlCommand insert = Command(c, t, sql,
                [("id", id), ("external", request.ExternalId), ("origin", StoreText.Of(request.Origin)),
                 ("cwd", request.WorkingDirectory), ("owner", ownerPid), ("host", ThisHost), ("started", ToUnix(startedAt)),
                 .. StoreSql.ProvenanceParameters(request.Provenance, StoreDialect.Postgres)]);
            string canonical = (string)insert.ExecuteScalar()!;
            return LoadBuild(c, t, canonical)!;
        });
    }

    public override void SaveJobs(IEnumerable<JobRecord> jobs)
    {
        List<JobRecord> list = Validated(jobs);
        if (list.Count == 0)
        {
            return;
        }

        string sql = StoreSql.JobInsert(StoreDialect.Postgres, upsert: true);
        // One round trip: a batch without an explicit transaction runs in one implicit transaction (all or nothing).
        Run(c =>
        {
            Dictionary<long, ProjectRecord> projects = StoreSql.ProjectsOf(Commands(c), list);
            using var batch = new NpgsqlBatch(c);
            foreach (JobRecord job in list)
            {
                var command = new NpgsqlBatchCommand(sql);
                foreach (object? value in StoreSql.JobRow(job, job.BuildProjectId is { } id ? projects.GetValueOrDefault(id) : null, StoreDialect.Postgres))
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
                }

                batch.BatchCommands.Add(command);
            }

            batch.ExecuteNonQuery();
            return 0;
        });
    }

    /// <summary>
    /// The whole selector in one statement (one round trip): each form's ids tagged with it, then the views of those
    /// ids. The planner runs each branch on its own index (id key, pid, recipe-hash key).
    /// </summary>
    public SelectorMatches FindSelectorMatches(SelectorLookup lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var branches = new List<string>
        {
            "(SELECT 0, id_key FROM jobs WHERE id_key = lower(@text))",
            "(SELECT 1, id_key FROM jobs WHERE id_key >= lower(@text) AND id_key < lower(@text)" + PrefixHigh +
            " ORDER BY started_at DESC, id_key DESC LIMIT @max)",
        };
        var parameters = new List<(string, object?)> { ("text", lookup.Text), ("max", lookup.Max) };
        if (lookup.Pid is { } pid)
        {
            branches.Add("(SELECT 2, id_key FROM jobs WHERE pid = @pid ORDER BY started_at DESC, id_key DESC LIMIT 1)");
            parameters.Add(("pid", pid));
        }

        if (lookup.RecipePrefix)
        {
            string range = $"recipe_hash_key >= lower(@text) AND recipe_hash_key < lower(@text){PrefixHigh}";
            branches.Add($"(SELECT 3, job FROM ({string.Format(CultureInfo.InvariantCulture, StoreDialect.Postgres.LatestJobPerRecipeHash, range)}) r)");
        }

        string sql = $"WITH m (form, id_key) AS ({string.Join(" UNION ALL ", branches)}) " +
            $"{JobViewSelectWithHosts} JOIN m ON m.id_key = j.id_key;";
        List<(JobView View, int Form)> rows = Run(c => ReadTaggedJobViews(c, sql, "m.form", [.. parameters]));
        List<JobView> Of(int form) => MostRecentFirst(rows.Where(r => r.Form == form).Select(r => r.View));
        JobView? exact = rows.FirstOrDefault(r => r.Form == 0).View;
        return exact is not null ? new SelectorMatches(exact, [], [], []) : new SelectorMatches(null, Of(1), Of(2), Of(3));
    }

    public override StoreInfo Describe() => Run(c =>
    {
        int version = ReadVersion(c, null);
        using NpgsqlCommand command = Command(c, null,
            "SELECT (SELECT count(*) FROM builds), (SELECT count(*) FROM build_projects), (SELECT count(*) FROM jobs), " +
            "(SELECT count(*) FROM job_logs), (SELECT coalesce(sum(byte_count), 0)::bigint FROM job_logs);");
        using NpgsqlDataReader r = command.ExecuteReader();
        r.Read();
        return new StoreInfo("postgresql", Location.Display, version,
            r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4));
    });

    public (int Frames, long Bytes, bool Complete)? GetLogState(string jobId) => Run<(int, long, bool)?>(c =>
    {
        using NpgsqlCommand command = Command(c, null,
            "SELECT frame_count, byte_count, complete FROM job_logs WHERE job_id = lower(@id);", ("id", jobId));
        using NpgsqlDataReader r = command.ExecuteReader();
        return r.Read() ? (r.GetInt32(0), r.GetInt64(1), r.GetBoolean(2)) : null;
    });

    public void AppendLogFrames(string jobId, int firstIndex, IReadOnlyList<byte[]> frames, bool complete, byte[]? openFrame = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        long bytes = frames.Sum(f => (long)f.Length);
        Write((c, t) =>
        {
            using var batch = new NpgsqlBatch(c, t);
            for (int i = 0; i < frames.Count; i++)
            {
                var insert = new NpgsqlBatchCommand(
                    "INSERT INTO job_log_frames (job_id, frame_index, data) VALUES (lower($1), $2, $3) ON CONFLICT DO NOTHING;");
                insert.Parameters.Add(new NpgsqlParameter { Value = jobId });
                insert.Parameters.Add(new NpgsqlParameter { Value = firstIndex + i });
                insert.Parameters.Add(new NpgsqlParameter { Value = frames[i] });
                batch.BatchCommands.Add(insert);
            }

            // The frames and the open frame change in one transaction, so a follower never sees them disagree.
            var state = new NpgsqlBatchCommand(
                "INSERT INTO job_logs (job_id, frame_count, byte_count, complete, open_frame) VALUES (lower($1), $2, $3, $4, $5) " +
                "ON CONFLICT (job_id) DO UPDATE SET frame_count = greatest(job_logs.frame_count, excluded.frame_count), " +
                "byte_count = (SELECT coalesce(sum(length(data)), 0) FROM job_log_frames WHERE job_id = lower($1)), " +
                "complete = job_logs.complete OR excluded.complete, " +
                "open_frame = CASE WHEN job_logs.complete OR excluded.complete THEN NULL ELSE excluded.open_frame END;");
            state.Parameters.Add(new NpgsqlParameter { Value = jobId });
            state.Parameters.Add(new NpgsqlParameter { Value = firstIndex + frames.Count });
            state.Parameters.Add(new NpgsqlParameter { Value = bytes });
            state.Parameters.Add(new NpgsqlParameter { Value = complete });
            state.Parameters.Add(new NpgsqlParameter
            {
                Value = complete || openFrame is not { Length: > 0 } ? DBNull.Value : openFrame,
                NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea,
            });
            batch.BatchCommands.Add(state);
            batch.ExecuteNonQuery();
            return 0;
        });
    }

    public LogSince? ReadLogSince(string jobId, int fromIndex) => Run(c =>
    {
        // One statement, one snapshot: the open frame read belongs with the frames read.
        using NpgsqlCommand command = Command(c, null,
            "SELECT -1, l.open_frame, l.complete FROM job_logs l WHERE l.job_id = lower(@id) " +
            "UNION ALL SELECT f.frame_index, f.data, NULL FROM job_log_frames f WHERE f.job_id = lower(@id) AND f.frame_index >= @from " +
            "ORDER BY 1;",
            ("id", jobId), ("from", fromIndex));
        using NpgsqlDataReader r = command.ExecuteReader();
        if (!r.Read() || r.GetInt32(0) != -1)
        {
            return null;
        }

        byte[] open = r.IsDBNull(1) ? [] : (byte[])r.GetValue(1);
        bool complete = r.GetBoolean(2);
        var frames = new List<byte[]>();
        while (r.Read())
        {
            frames.Add((byte[])r.GetValue(1));
        }

        return new LogSince(frames, open, complete);
    });

    public IReadOnlyList<byte[]> ReadLogFrames(string jobId, int fromIndex) => Run(c =>
    {
        using NpgsqlCommand command = Command(c, null,
            "SELECT data FROM job_log_frames WHERE job_id = lower(@id) AND frame_index >= @from ORDER BY frame_index;",
            ("id", jobId), ("from", fromIndex));
        using NpgsqlDataReader r = command.ExecuteReader();
        var frames = new List<byte[]>();
        while (r.Read())
        {
            frames.Add((byte[])r.GetValue(0));
        }

        return frames;
    });

    public IReadOnlyList<int> GetLogFrameSizes(string jobId) => Run(c =>
    {
        // octet_length of a stored bytea reads its header, not its bytes.
        using NpgsqlCommand command = Command(c, null,
            "SELECT octet_length(data) FROM job_log_frames WHERE job_id = lower(@id) ORDER BY frame_index;", ("id", jobId));
        using NpgsqlDataReader r = command.ExecuteReader();
        var sizes = new List<int>();
        while (r.Read())
        {
            sizes.Add(r.GetInt32(0));
        }

        return sizes;
    });

    public IReadOnlyDictionary<int, byte[]> ReadLogFrames(string jobId, IReadOnlyCollection<int> indexes) => Run(c =>
    {
        var frames = new Dictionary<int, byte[]>();
        foreach (int index in indexes)
        {
            using NpgsqlCommand command = Command(c, null,
                "SELECT data FROM job_log_frames WHERE job_id = lower(@id) AND frame_index = @index;", ("id", jobId), ("index", index));
            if (command.ExecuteScalar() is byte[] data)
            {
                frames[index] = data;
            }
        }

        return frames;
    });

    public override void Dispose() => _dataSource.Dispose();

    private static int ReadVersion(NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        using NpgsqlCommand exists = Command(connection, transaction, "SELECT to_regclass('brioche_job_schema') IS NOT NULL;");
        if (!(bool)exists.ExecuteScalar()!)
        {
            return 0;
        }

        using NpgsqlCommand read = Command(connection, transaction, "SELECT max(version) FROM brioche_job_schema;");
        return read.ExecuteScalar() is int version ? version : 0;
    }

    private static void ThrowIfNewer(int version, StoreLocation location) =>
        PostgresSchema.Migrations.ThrowIfNewer(version, location.Display, "point --store at another database");

    private static void Migrate(NpgsqlConnection connection, StoreLocation location)
    {
        // A session lock, taken before the transaction begins: the transaction then starts after any other migrator
        // committed, so it sees that migrator's tables (a transaction begun earlier may hold stale catalog caches).
        using (NpgsqlCommand lockCommand = Command(connection, null, "SELECT pg_advisory_lock(@key);",
            ("key", PostgresSchema.MigrationLockKey)))
        {
            // Another recorder's migration may take a while on a busy server: wait for it rather than spool.
            lockCommand.CommandTimeout = 300;
            lockCommand.ExecuteNonQuery();
        }

        try
        {
            MigrateLocked(connection, location);
        }
        finally
        {
            using NpgsqlCommand unlock = Command(connection, null, "SELECT pg_advisory_unlock(@key);",
                ("key", PostgresSchema.MigrationLockKey));
            unlock.ExecuteNonQuery();
        }
    }

    private static void MigrateLocked(NpgsqlConnection connection, StoreLocation location)
    {
        using NpgsqlTransaction transaction = connection.BeginTransaction();
        // Read again under the lock: another recorder may have migrated since we looked.
        int version = ReadVersion(connection, transaction);
        ThrowIfNewer(version, location);
        try
        {
            PostgresSchema.Migrations.Apply(Commands(connection, transaction), version,
                $"UPDATE brioche_job_schema SET version = {PostgresSchema.CurrentVersion};");
            transaction.Commit();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw Catalog.Server.MigrationNeedsOwner.ExceptionFrom(ex, location.Display, version, PostgresSchema.CurrentVersion, OneLine(location.Redact(ex.MessageText)));
        }
    }

    private T Run<T>(Func<NpgsqlConnection, T> read)
    {
        try
        {
            using NpgsqlConnection connection = _dataSource.OpenConnection();
            return read(connection);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException { InnerException: NpgsqlException })
        {
            throw Translate(ex, Location);
        }
    }

    private T Write<T>(Func<NpgsqlConnection, NpgsqlTransaction, T> write) => Run(connection =>
    {
        using NpgsqlTransaction transaction = connection.BeginTransaction();
        T result = write(connection, transaction);
        transaction.Commit();
        return result;
    });

    /// <summary>Maps a server or connection failure to our codes; the message never holds the password.</summary>
    internal static BriocheJobException Translate(Exception ex, StoreLocation location)
    {
        string where = location.Display;
        if (ex is PostgresException pg)
        {
            string text = OneLine(location.Redact(pg.MessageText));
            return pg.SqlState switch
            {
                PostgresErrorCodes.ForeignKeyViolation => Catalog.Store.UnknownReference.ExceptionFrom(ex),
                PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
                    Catalog.Server.LoginRefused.ExceptionFrom(ex, where, text),
                PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.CrashShutdown =>
                    Catalog.Server.ShuttingDown.ExceptionFrom(ex, where, text),
                _ => Catalog.Store.DatabaseFailed.ExceptionFrom(ex, where, $"{text} (SQLSTATE {pg.SqlState})"),
            };
        }

        string reason = OneLine(location.Redact(Innermost(ex).Message));
        bool transport = ex is TimeoutException || ex.InnerException is SocketException or IOException or TimeoutException
            or System.Security.Authentication.AuthenticationException || ex is NpgsqlException { IsTransient: true } ||
            ex is NpgsqlException && reason.Contains("password", StringComparison.OrdinalIgnoreCase);
        return transport
            ? Catalog.Server.Unreachable.ExceptionFrom(ex, where, reason)
            : Catalog.Store.DatabaseFailed.ExceptionFrom(ex, where, reason);
    }

    private static Exception Innermost(Exception ex)
    {
        Exception current = ex;
        while (current.InnerException is { } inner && current is not PostgresException)
        {
            current = inner;
        }

        return current;
    }

    private static NpgsqlCommand Command(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params (string Name, object? Value)[] parameters) =>
        (NpgsqlCommand)Commands(connection, transaction).CommandWithProviderNames(sql, parameters);

    private static BuildRecord? LoadBuild(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id) =>
        StoreSql.LoadBuild(Commands(connection, transaction), id);

    private protected override T OnConnection<T>(Func<StoreCommands, T> read) => Run(c => read(Commands(c)));

    private protected override T InTransaction<T>(Func<StoreCommands, T> write) => Write((c, t) => write(Commands(c, t)));

    private protected override List<JobView> ReadJobViews(DbDataReader reader) => ReadViewsOnHosts(reader, tagged: false).Select(r => r.View).ToList();

    private static StoreCommands Commands(NpgsqlConnection connection, NpgsqlTransaction? transaction = null) =>
        new(connection, transaction, StoreDialect.Postgres);


    /// <summary>
    /// Reads <see cref="JobViewSelectWithHosts"/> rows; with <paramref name="tagColumn"/>, that column is selected after
    /// the others and returned with each view.
    /// </summary>
    private static List<(JobView View, int Tag)> ReadTaggedJobViews(
        NpgsqlConnection connection, string sql, string? tagColumn, params (string Name, object? Value)[] parameters)
    {
        if (tagColumn is not null)
        {
            sql = sql.Replace(" FROM jobs j ", $", {tagColumn} FROM jobs j ", StringComparison.Ordinal);
        }

        using NpgsqlCommand command = Command(connection, null, sql, parameters);
        using NpgsqlDataReader reader = command.ExecuteReader();
        return ReadViewsOnHosts(reader, tagColumn is not null);
    }

    /// <summary>Rows of <see cref="JobViewSelectWithHosts"/>, each with its tag column (after the others) when tagged.</summary>
    private static List<(JobView View, int Tag)> ReadViewsOnHosts(DbDataReader reader, bool tagged)
    {
        var liveness = new Dictionary<int, bool>();
        var views = new List<(JobView, int)>();
        int jobHost = BuildOrdinal + BuildColumnCount;
        while (reader.Read())
        {
            // A recorder on another machine cannot be checked from here: its running records stay running.
            bool jobHere = IsThisHost(reader, jobHost);
            bool buildHere = IsThisHost(reader, jobHost + 1);
            JobRecord job = jobHere ? ReadJob(reader, liveness) : ReadJob(reader, AliveElsewhere(reader, 15, 14));
            BuildRecord? build = buildHere
                ? ReadBuild(reader, BuildOrdinal, liveness)
                : ReadBuild(reader, BuildOrdinal, AliveElsewhere(reader, BuildOrdinal + 4, -1));
            views.Add((new JobView(job, ReadProject(reader, ProjectOrdinal), build), tagged ? reader.GetInt32(jobHost + 2) : 0));
        }

        return views;
    }
}
