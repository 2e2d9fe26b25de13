using System.Data.Common;
using BriocheJob.Diagnostics;
using static BriocheJob.Store.StoreRows;

namespace BriocheJob.Store;

/// <summary>
/// The ADO.NET logic both SQL stores run, written once over <see cref="StoreCommands"/>: each store gives its
/// connection, transaction and <see cref="StoreDialect"/>, and keeps only what it does differently (how it opens,
/// locks and batches, and the statements only it has).
/// </summary>
internal static partial class StoreSql
{
    /// <summary>How many values one statement's <c>IN</c> or <c>VALUES</c> list holds at the most.</summary>
    private const int InChunk = 500;

    /// <summary><see cref="BuildColumns"/> of alias <c>b</c>, with <c>b.owner_host</c> after them where builds carry it.</summary>
    public static string BuildColumnsOf(StoreDialect dialect) => dialect.RecordsHost ? BuildColumns + ", b.owner_host" : BuildColumns;

    /// <summary>A row of <see cref="BuildColumnsOf"/> from ordinal 0.</summary>
    public static BuildRecord ReadBuildRow(DbDataReader reader, StoreDialect dialect, Dictionary<int, bool> liveness) =>
        (dialect.RecordsHost ? ReadBuildOnHost(reader, 0, BuildColumnCount, liveness) : ReadBuild(reader, 0, liveness))!;

    public static BuildRecord? LoadBuild(StoreCommands db, string id)
    {
        using DbCommand command = db.Command($"SELECT {BuildColumnsOf(db.Dialect)} FROM builds b WHERE b.id = @id;", ("id", id));
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read() ? ReadBuildRow(reader, db.Dialect, new Dictionary<int, bool>()) : null;
    }

    /// <summary>The id of the build with this id (any case) or, failing that, this external id.</summary>
    public static string? FindBuildId(StoreCommands db, string id, string? externalId) =>
        db.Scalar($"SELECT id FROM builds WHERE {db.Dialect.KeyEquals("id", "id")} UNION ALL " +
            "SELECT id FROM builds WHERE external_id = @external LIMIT 1;", ("id", id), ("external", externalId)) as string;

    /// <summary>A build with its projects and its jobs, most recent first; null when there is no such build.</summary>
    public static BuildDetails? GetBuild(StoreCommands db, string idOrExternalId)
    {
        string? id = FindBuildId(db, idOrExternalId, idOrExternalId);
        BuildRecord? build = id is null ? null : LoadBuild(db, id);
        if (build is null)
        {
            return null;
        }

        List<ProjectRecord> projects;
        using (DbCommand command = db.Command(
            $"SELECT {ProjectColumns} FROM build_projects p WHERE p.build_id = @build ORDER BY p.id;", ("build", build.Id)))
        using (DbDataReader reader = command.ExecuteReader())
        {
            projects = ReadProjects(reader);
        }

        StoreDialect dialect = db.Dialect;
        var projectsById = projects.ToDictionary(p => p.Id);
        var jobs = new List<JobView>();
        var liveness = new Dictionary<int, bool>();
        using (DbCommand command = db.Command(
            $"{(dialect.RecordsHost ? BuildJobsSelectWithHost : BuildJobsSelect)} WHERE p.build_id = @build{dialect.BuildJobsOrder};",
            ("build", build.Id)))
        using (DbDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                JobRecord job = dialect.RecordsHost ? ReadJobOnHost(reader, StepKeyOrdinal + 1, liveness) : ReadJob(reader, liveness);
                jobs.Add(BuildJobView(reader, job, build, projectsById));
            }
        }

        if (dialect.BuildJobsOrder.Length == 0)
        {
            jobs.Sort(static (a, b) => a.Job.StartedAt != b.Job.StartedAt
                ? b.Job.StartedAt.CompareTo(a.Job.StartedAt)
                : string.CompareOrdinal(b.Job.Id, a.Job.Id));
        }

        return new BuildDetails(build, projects, jobs);
    }

    /// <summary>The latest build before this one (by start, then id) that built a project of the same kind and name.</summary>
    public static BuildRecord? FindPreviousBuildSharingProject(StoreCommands db, string buildId)
    {
        StoreDialect d = db.Dialect;
        string b = d.Key("b.id"), h = d.Key("h.id");
        using DbCommand command = db.Command(
            $"SELECT {BuildColumnsOf(d)} FROM builds b, builds h WHERE {d.KeyEquals("h.id", "id")} AND b.id <> h.id " +
            $"AND (b.started_at < h.started_at OR (b.started_at = h.started_at AND {b} < {h})) " +
            "AND EXISTS (SELECT 1 FROM build_projects p JOIN build_projects hp ON hp.build_id = h.id " +
            "AND hp.kind = p.kind AND coalesce(hp.name, hp.registry_project_name, hp.local_project_path) = " +
            "coalesce(p.name, p.registry_project_name, p.local_project_path) WHERE p.build_id = b.id) " +
            $"ORDER BY b.started_at DESC, {b} DESC LIMIT 1;",
            ("id", buildId));
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read() ? ReadBuildRow(reader, d, new Dictionary<int, bool>()) : null;
    }

    /// <summary>A page of builds, most recent first, with their project, job and failed job counts.</summary>
    public static List<BuildSummary> QueryBuilds(StoreCommands db, int limit, int offset, BuildFilter? where)
    {
        StoreDialect d = db.Dialect;
        var conditions = new List<string>();
        var parameters = new List<(string, object?)> { d.Parameter("limit", Math.Max(0, limit)), d.Parameter("offset", Math.Max(0, offset)) };
        AddBuildFilter(where, conditions, parameters, d);
        using DbCommand command = db.CommandWithProviderNames(
            $"SELECT {BuildColumnsOf(d)}, " +
            d.Typed("(SELECT count(*) FROM build_projects p WHERE p.build_id = b.id)", "integer") + ", " +
            d.Typed("(SELECT count(*) FROM jobs j JOIN build_projects p ON p.id = j.build_projects_id WHERE p.build_id = b.id)", "integer") + ", " +
            d.Typed("(SELECT count(*) FROM jobs j JOIN build_projects p ON p.id = j.build_projects_id " +
                "WHERE p.build_id = b.id AND j.result = 'failed')", "integer") +
            $" FROM builds b{(conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions))} " +
            $"ORDER BY b.started_at DESC, {d.Key("b.id")} DESC LIMIT @limit OFFSET @offset;",
            [.. parameters]);
        using DbDataReader reader = command.ExecuteReader();
        var liveness = new Dictionary<int, bool>();
        return ReadBuildSummaries(reader, r => ReadBuildRow(r, d, liveness), extra: d.RecordsHost ? 1 : 0);
    }

    /// <summary>Up to <paramref name="max"/> builds whose id starts with <paramref name="prefix"/>, most recent first.</summary>
    public static List<BuildRecord> FindBuildsByIdPrefix(StoreCommands db, string prefix, int max)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        (string sql, (string, object?)[] parameters) = BuildsByIdPrefix($"SELECT {BuildColumnsOf(db.Dialect)} FROM builds b", db.Dialect, prefix, max);
        using DbCommand command = db.CommandWithProviderNames(sql, parameters);
        using DbDataReader reader = command.ExecuteReader();
        var liveness = new Dictionary<int, bool>();
        return ReadBuilds(reader, r => ReadBuildRow(r, db.Dialect, liveness));
    }

    /// <summary>Marks a build stopped (its result stays failed once failed; the latest stop wins); returns it.</summary>
    public static BuildRecord FinishBuild(StoreCommands db, string buildId, RunState state, RunResult? result, DateTimeOffset stoppedAt)
    {
        StoreDialect d = db.Dialect;
        string id = db.Scalar(
            $"UPDATE builds SET state = @state, stopped_at = {d.Greatest}(coalesce(stopped_at, @stopped), @stopped), " +
            $"result = CASE WHEN result = 'failed' THEN 'failed' ELSE @result END WHERE {d.KeyEquals("id", "id")} RETURNING id;",
            ("state", StoreText.Of(state)), ("stopped", ToUnix(stoppedAt)), ("result", StoreText.Of(result)), ("id", buildId)) as string
            ?? throw UnknownBuild(buildId);
        return LoadBuild(db, id)!;
    }

    /// <summary>Deletes the build's projects without jobs, then the build if it has no projects left.</summary>
    public static bool DiscardIfEmpty(StoreCommands db, string buildId)
    {
        ArgumentNullException.ThrowIfNull(buildId);
        string build = db.Dialect.KeyEquals("id", "build");
        db.Execute($"DELETE FROM build_projects WHERE build_id = (SELECT id FROM builds WHERE {build}) AND NOT EXISTS " +
            "(SELECT 1 FROM jobs WHERE jobs.build_projects_id = build_projects.id);", ("build", buildId));
        return db.Execute($"DELETE FROM builds WHERE {build} AND NOT EXISTS (SELECT 1 FROM build_projects WHERE build_id = builds.id);",
            ("build", buildId)) > 0;
    }

    public static bool JobExists(StoreCommands db, string id) => Exists(db, "jobs", id);

    /// <summary>Every <c>local_path</c> a job row points at.</summary>
    public static IReadOnlySet<string> ReferencedLocalPaths(StoreCommands db)
    {
        using DbCommand command = db.Command(SelectLocalPaths);
        using DbDataReader reader = command.ExecuteReader();
        return ReadStrings(reader, StringComparer.Ordinal);
    }

    public static IReadOnlySet<string> BuildIds(StoreCommands db)
    {
        using DbCommand command = db.Command("SELECT id FROM builds;");
        using DbDataReader reader = command.ExecuteReader();
        return ReadStrings(reader, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The build's project with these fields, added when it has none yet (run in a write transaction).</summary>
    public static ProjectRecord AddProject(StoreCommands db, string buildId, ProjectRequest project)
    {
        ArgumentNullException.ThrowIfNull(project);
        StoreDialect d = db.Dialect;
        string canonicalBuildId = db.Scalar($"SELECT id FROM builds WHERE {d.KeyEquals("id", "id")}{d.LockRow};", ("id", buildId)) as string
            ?? throw UnknownBuild(buildId);
        (string, object?)[] values =
        [
            ("build", canonicalBuildId), ("kind", StoreText.Of(project.Kind)), ("name", project.Name),
            ("hash", project.ProjectHash), ("path", project.LocalProjectPath), ("registry", project.RegistryProjectName),
        ];
        using (DbCommand existing = db.Command(
            $"SELECT {ProjectColumns} FROM build_projects p WHERE p.build_id = @build AND p.kind = @kind " +
            $"AND {d.Same("p.name", "name", "text")} AND {d.Same("p.project_hash", "hash", "text")} " +
            $"AND {d.Same("p.local_project_path", "path", "text")} AND {d.Same("p.registry_project_name", "registry", "text")} " +
            "ORDER BY p.id LIMIT 1;",
            values))
        using (DbDataReader reader = existing.ExecuteReader())
        {
            if (reader.Read())
            {
                return ReadProject(reader, 0)!;
            }
        }

        return InsertProject(db, canonicalBuildId, project, values);
    }

    private static ProjectRecord InsertProject(StoreCommands db, string buildId, ProjectRequest project, (string, object?)[] values)
    {
        long id = Convert.ToInt64(db.Scalar(
            "INSERT INTO build_projects (build_id, kind, name, project_hash, local_project_path, registry_project_name) " +
            "VALUES (@build, @kind, @name, @hash, @path, @registry) RETURNING id;",
            values));
        return new ProjectRecord(id, buildId, project.Kind, project.Name, project.ProjectHash,
            project.LocalProjectPath, project.RegistryProjectName);
    }

    /// <summary>The columns a job row is written with, in <see cref="JobRow"/> order.</summary>
    public static string[] JobRowColumns(StoreDialect dialect) =>
        [.. JobInsertColumns, .. dialect.RecordsHost ? (string[])["owner_host"] : [], "step_key"];

    /// <summary>
    /// The insert of one job row, its values as positional parameters <c>$1</c>, <c>$2</c>… in <see cref="JobRow"/>
    /// order (SQLite reads them as names); with <paramref name="upsert"/>, a save of a job already recorded updates it,
    /// except that a job belongs to the build that recorded it first, forever: another build's save is a no-op.
    /// </summary>
    public static string JobInsert(StoreDialect dialect, bool upsert)
    {
        string[] columns = JobRowColumns(dialect);
        string insert = $"INSERT INTO jobs ({string.Join(", ", columns)}) " +
            $"VALUES ({string.Join(", ", columns.Select((_, i) => "$" + (i + 1)))})";
        if (!upsert)
        {
            return insert + ";";
        }

        string updates = string.Join(", ", columns.Skip(1).Select(name => $"{name} = excluded.{name}"));
        return $"{insert} ON CONFLICT ({dialect.Key("id")}) DO UPDATE SET {updates} " +
            $"WHERE jobs.build_projects_id {dialect.NullSafeEquals} excluded.build_projects_id OR jobs.build_projects_id IS NULL;";
    }

    /// <summary>A job's values for <see cref="JobInsert"/> (null for SQL NULL), its step key computed from its project.</summary>
    public static object?[] JobRow(JobRecord job, ProjectRecord? project, StoreDialect dialect)
    {
        object?[] values = JobValues(job, cachedAsInteger: !dialect.BooleanColumns);
        return [.. values, .. dialect.RecordsHost ? (object?[])[ThisHost] : [], StepKeys.Of(job, project)];
    }

    /// <summary>The projects the jobs to save belong to (for their step keys).</summary>
    public static Dictionary<long, ProjectRecord> ProjectsOf(StoreCommands db, IEnumerable<JobRecord> jobs)
    {
        long[] ids = jobs.Where(j => j.BuildProjectId is not null).Select(j => j.BuildProjectId!.Value).Distinct().ToArray();
        var projects = new Dictionary<long, ProjectRecord>();
        // IN lists, not arrays: the slim PostgreSQL data source has no array types (Native AOT stays small).
        foreach (long[] chunk in ids.Chunk(InChunk))
        {
            using DbCommand command = db.Command(
                $"SELECT {ProjectColumns} FROM build_projects p WHERE p.id IN ({string.Join(", ", chunk.Select((_, i) => $"@i{i}"))});",
                [.. chunk.Select((id, i) => ($"i{i}", (object?)id))]);
            using DbDataReader reader = command.ExecuteReader();
            foreach (ProjectRecord project in ReadProjects(reader))
            {
                projects[project.Id] = project;
            }
        }

        return projects;
    }

    /// <summary>
    /// Marks interrupted the running jobs and builds whose recorder is gone (where the store records hosts, only those
    /// recorded on this machine, the one place their recorder can be checked). Run in a write transaction.
    /// </summary>
    public static int MarkInterrupted(StoreCommands db)
    {
        StoreDialect d = db.Dialect;
        string here = d.RecordsHost ? $" AND {d.Same("owner_host", "host", "text")}" : "";
        int changed = 0;
        var liveness = new Dictionary<int, bool>();
        foreach (string table in (string[])["jobs", "builds"])
        {
            var stale = new List<(string Id, int? Owner)>();
            using (DbCommand running = db.Command(
                table == "jobs"
                    ? $"SELECT id, owner_pid, pid FROM jobs WHERE state = 'running'{here};"
                    : $"SELECT id, owner_pid, {d.Typed("NULL", "integer")} FROM builds WHERE state = 'running'{here};",
                HostParameter(d)))
            using (DbDataReader reader = running.ExecuteReader())
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

            foreach ((string id, int? owner) in stale)
            {
                // The owner guard skips a row that a new recorder took over since we looked.
                changed += db.Execute(
                    $"UPDATE {table} SET state = 'interrupted' WHERE id = @id AND state = 'running' AND {d.Same("owner_pid", "owner", "integer")};",
                    ("id", id), ("owner", owner));
            }
        }

        return changed;
    }

    /// <summary>Inserts a build from another store unless its id or external id is here; returns the one here.</summary>
    public static BuildRecord ImportBuild(StoreCommands db, BuildRecord build)
    {
        ArgumentNullException.ThrowIfNull(build);
        StoreDialect d = db.Dialect;
        using (DbCommand insert = db.CommandWithProviderNames(
            $"INSERT INTO builds (id, external_id, origin, working_directory, owner_pid, {HostColumn(d)}started_at, stopped_at, " +
            $"state, result, {ProvenanceColumns}) VALUES (@id, @external, @origin, @cwd, @owner, {HostValue(d)}@started, @stopped, " +
            $"@state, @result, {ProvenanceValues}) ON CONFLICT DO NOTHING;",
            [d.Parameter("id", build.Id), d.Parameter("external", build.ExternalId), d.Parameter("origin", StoreText.Of(build.Origin)),
             d.Parameter("cwd", build.WorkingDirectory), d.Parameter("owner", build.OwnerPid),
             .. HostParameter(d).Select(h => d.Parameter(h.Name, h.Value)), d.Parameter("started", ToUnix(build.StartedAt)), d.Parameter("stopped", build.StoppedAt is { } stopped ? ToUnix(stopped) : null),
             d.Parameter("state", StoreText.Of(build.State)), d.Parameter("result", StoreText.Of(build.Result)),
             .. ProvenanceParameters(build.Provenance, d)]))
        {
            insert.ExecuteNonQuery();
        }

        return LoadBuild(db, FindBuildId(db, build.Id, build.ExternalId)!)!;
    }

    /// <summary>
    /// A whole build (an imported bundle) in the write transaction of <paramref name="db"/>: refused (BJ1008) when the
    /// build or a job is already recorded. <paramref name="storeLog"/> keeps a job's log where the store holds logs.
    /// </summary>
    public static BuildRecord RecordWholeBuild(
        StoreCommands db, BuildRecord build, IReadOnlyList<ProjectRequest> projects, IReadOnlyList<(int ProjectIndex, JobRecord Job)> jobs,
        Action<StoreCommands, JobRecord>? storeLog)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(projects);
        ArgumentNullException.ThrowIfNull(jobs);
        foreach ((_, JobRecord job) in jobs)
        {
            Validate(job);
        }

        StoreDialect d = db.Dialect;
        if (Exists(db, "builds", build.Id))
        {
            throw Catalog.Store.BuildAlreadyRecorded.Exception(build.Id);
        }

        db.Execute(
            $"INSERT INTO builds (id, external_id, origin, working_directory, owner_pid, {HostColumn(d)}started_at, stopped_at, state, result) " +
            $"VALUES (@id, @external, @origin, @cwd, NULL, {HostValue(d)}@started, @stopped, @state, @result);",
            [("id", build.Id), ("external", build.ExternalId), ("origin", StoreText.Of(build.Origin)),
            ("cwd", build.WorkingDirectory), .. HostParameter(d), ("started", ToUnix(build.StartedAt)),
            ("stopped", build.StoppedAt is { } s ? ToUnix(s) : null), ("state", StoreText.Of(build.State)),
            ("result", StoreText.Of(build.Result))]);

        var records = new List<ProjectRecord>();
        foreach (ProjectRequest project in projects)
        {
            records.Add(InsertProject(db, build.Id, project,
            [
                ("build", build.Id), ("kind", StoreText.Of(project.Kind)), ("name", project.Name),
                ("hash", project.ProjectHash), ("path", project.LocalProjectPath), ("registry", project.RegistryProjectName),
            ]));
        }

        string insert = JobInsert(d, upsert: false);
        foreach ((int index, JobRecord job) in jobs)
        {
            if (Exists(db, "jobs", job.Id))
            {
                throw Catalog.Store.AlreadyRecorded.Exception(job.Id);
            }

            ProjectRecord? project = index >= 0 && index < records.Count ? records[index] : null;
            object?[] values = JobRow(job with { BuildProjectId = project?.Id }, project, d);
            values[Array.IndexOf(JobInsertColumns, "owner_pid")] = null;
            using DbCommand command = db.Command(insert);
            AddPositional(db, command, values);
            command.ExecuteNonQuery();
            storeLog?.Invoke(db, job);
        }

        return LoadBuild(db, build.Id)!;
    }

    /// <summary>
    /// Adds <paramref name="values"/> as <c>$1</c>, <c>$2</c>…: unnamed for Npgsql (positional), named so for SQLite.
    /// </summary>
    public static void AddPositional(StoreCommands db, DbCommand command, object?[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            DbParameter parameter = command.CreateParameter();
            if (db.Dialect.NamesPositionalParameters)
            {
                parameter.ParameterName = "$" + (i + 1);
            }

            parameter.Value = values[i] ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>
    /// Retention in the write transaction of <paramref name="db"/> (see <see cref="IStoreMaintenance.ApplyRetention"/>);
    /// where the store keeps logs, a cleared or deleted job's log row goes too.
    /// </summary>
    public static RetentionChange ApplyRetention(
        StoreCommands db, IReadOnlyCollection<string> clearLogJobIds, IReadOnlyCollection<string> deleteJobIds, DateTimeOffset emptyBuildsBefore)
    {
        ArgumentNullException.ThrowIfNull(clearLogJobIds);
        ArgumentNullException.ThrowIfNull(deleteJobIds);
        StoreDialect d = db.Dialect;
        string job = d.KeyEquals("id", "id");
        int cleared = 0, deleted = 0;
        using ByJobId? forgetLog = d.DeleteLogRow is { } sql ? new ByJobId(db, sql) : null;
        using (var clear = new ByJobId(db, $"UPDATE jobs SET local_path = NULL WHERE {job} AND local_path IS NOT NULL;"))
        {
            foreach (string jobId in clearLogJobIds)
            {
                cleared += clear.Execute(jobId);
                forgetLog?.Execute(jobId);
            }
        }

        var liveness = new Dictionary<int, bool>();
        using (var state = new ByJobId(db, $"SELECT state, owner_pid, pid{(d.RecordsHost ? ", owner_host" : "")} FROM jobs WHERE {job}{d.LockRow};"))
        using (var delete = new ByJobId(db, $"DELETE FROM jobs WHERE {job};"))
        {
            foreach (string jobId in deleteJobIds)
            {
                using (DbDataReader reader = state.Read(jobId))
                {
                    // A job whose recorder is alive is never deleted, whatever the caller planned; one recorded on
                    // another machine cannot be judged from here.
                    if (!reader.Read() || (reader.GetString(0) == "running" && ((d.RecordsHost && !IsThisHost(reader, 3)) ||
                        IsRecorderAlive(reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), liveness))))
                    {
                        continue;
                    }
                }

                deleted += delete.Execute(jobId);
                forgetLog?.Execute(jobId);
            }
        }

        long before = ToUnix(emptyBuildsBefore);
        int projectsDeleted = db.Execute(DeleteEmptyProjects, ("before", before));
        int buildsDeleted = db.Execute(DeleteEmptyBuilds, ("before", before));
        return new RetentionChange(cleared, deleted, projectsDeleted, buildsDeleted);
    }

    /// <summary>A statement of one parameter, <c>@id</c>, run once per job id (prepared by the provider on reuse).</summary>
    private sealed class ByJobId : IDisposable
    {
        private readonly DbCommand _command;
        private readonly DbParameter _id;

        public ByJobId(StoreCommands db, string sql)
        {
            _command = db.Command(sql);
            _id = db.AddParameter(_command, "id");
        }

        public int Execute(string jobId)
        {
            _id.Value = jobId;
            return _command.ExecuteNonQuery();
        }

        public DbDataReader Read(string jobId)
        {
            _id.Value = jobId;
            return _command.ExecuteReader();
        }

        public void Dispose() => _command.Dispose();
    }

    /// <summary>The recipe hashes worth asking about: the non-empty ones, once each in any case.</summary>
    public static string[] DistinctRecipeHashes(IEnumerable<string> recipeHashes)
    {
        ArgumentNullException.ThrowIfNull(recipeHashes);
        return recipeHashes.Where(h => !string.IsNullOrEmpty(h)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
    }

    /// <summary>Which of <paramref name="recipeHashes"/> (<see cref="DistinctRecipeHashes"/>) both failed and succeeded.</summary>
    public static IReadOnlySet<string> FindFlakyRecipeHashes(StoreCommands db, string[] recipeHashes)
    {
        string key = db.Dialect.RecipeKey;
        var flaky = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string[] chunk in recipeHashes.Chunk(InChunk))
        {
            using DbCommand command = db.Command(
                $"SELECT min(recipe_hash) FROM jobs WHERE {key} IN ({string.Join(", ", chunk.Select((_, i) => db.Dialect.KeyOf($"h{i}")))}) " +
                $"AND result IS NOT NULL GROUP BY {key} HAVING min(result) <> max(result);",
                [.. chunk.Select((h, i) => ($"h{i}", (object?)h))]);
            using DbDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                flaky.Add(reader.GetString(0));
            }
        }

        return flaky;
    }

    /// <summary>
    /// The latest job of each of the first <paramref name="max"/> distinct recipe hashes starting with
    /// <paramref name="prefix"/> (in hash order), as views of <paramref name="select"/>; sort them with
    /// <see cref="MostRecentFirst"/>.
    /// </summary>
    public static (string, (string, object?)[]) LatestJobsByRecipeHashPrefix(string select, StoreDialect dialect, string prefix, int max)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        (string range, (string, object?)[] bounds) = dialect.StartsWith("recipe_hash", prefix);
        // The job key on the left: SQLite compares with its collation (NOCASE), so the primary key index serves the join.
        return ($"WITH latest AS ({string.Format(System.Globalization.CultureInfo.InvariantCulture, dialect.LatestJobPerRecipeHash, range)}) " +
            $"{select} JOIN latest l ON {dialect.JobKey} = l.job;", [.. bounds, dialect.Parameter("max", max)]);
    }

    /// <summary>
    /// The ids either side of each wanted id, one statement per 500 ids passed as parameters (the slim PostgreSQL data
    /// source writes no arrays).
    /// </summary>
    public static List<IdNeighbours> FindIdNeighbours(StoreCommands db, IReadOnlyCollection<string> ids, IdTable table)
    {
        ArgumentNullException.ThrowIfNull(ids);
        string name = table == IdTable.Builds ? "builds" : "jobs";
        string[] distinct = ids.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var found = new List<IdNeighbours>(distinct.Length);
        foreach (string[] chunk in distinct.Chunk(InChunk))
        {
            string values = string.Join(", ", chunk.Select((_, i) => $"(@i{i})"));
            using DbCommand statement = db.Command(
                string.Format(System.Globalization.CultureInfo.InvariantCulture, db.Dialect.IdNeighbours, name, values),
                [.. chunk.Select((id, i) => ($"i{i}", (object?)id))]);
            using DbDataReader reader = statement.ExecuteReader();
            while (reader.Read())
            {
                found.Add(new IdNeighbours(
                    reader.GetString(0),
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2)));
            }
        }

        return found;
    }

    private static bool Exists(StoreCommands db, string table, string id) =>
        db.Scalar($"SELECT 1 FROM {table} WHERE {db.Dialect.KeyEquals("id", "id")};", ("id", id)) is not null;

    /// <summary><c>@host</c>, this machine, where the store records hosts.</summary>
    private static (string Name, object? Value)[] HostParameter(StoreDialect dialect) => dialect.RecordsHost ? [("host", ThisHost)] : [];

    private static string HostColumn(StoreDialect dialect) => dialect.RecordsHost ? "owner_host, " : "";

    private static string HostValue(StoreDialect dialect) => dialect.RecordsHost ? "@host, " : "";
}
