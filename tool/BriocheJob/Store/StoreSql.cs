using System.Data.Common;
using static BriocheJob.Store.StoreRows;

namespace BriocheJob.Store;

/// <summary>
/// Where the two SQL stores differ in the statements and row loops they share: how a parameter is named when it is
/// added (SQLite's provider wants the <c>@</c>, Npgsql does not; the SQL text says <c>@name</c> in both), which column
/// keys a job and a recipe hash (SQLite's NOCASE columns, PostgreSQL's lower-case key columns), null-safe equality,
/// row locks, and what only the server store keeps (the machine a record's owner runs on, the jobs' logs).
/// </summary>
internal sealed record StoreDialect
{
    /// <summary>
    /// U+10FFFF sorts after every character an id or hash holds: <c>p &lt;= key &lt; p + U+10FFFF</c> is "starts with p"
    /// (SQLite's NOCASE folds only ASCII, as PostgreSQL's <c>lower()</c> under "C" does).
    /// </summary>
    private static readonly string Top = char.ConvertFromUtf32(0x10FFFF);

    public static readonly StoreDialect Sqlite = new()
    {
        ParameterPrefix = "@",
        JobKey = "j.id",
        RecipeKey = "recipe_hash",
        Find = "instr",
        HostEquals = "b.host = @bhost",
        ProjectsOfBuild = "SELECT id FROM build_projects WHERE build_id = @build",
        LowerKeys = false,
        NullSafeEquals = "IS",
        Greatest = "max",
        TypedParameters = false,
        LockRow = "",
        RecordsHost = false,
        BooleanColumns = false,
        NamesPositionalParameters = true,
        DeleteLogRow = null,
        // The job id columns hold the latest job of each hash: SQLite takes bare columns of a max() aggregate from the
        // row holding the max.
        LatestJobPerRecipeHash = "SELECT id AS job, max(started_at) FROM jobs WHERE {0} GROUP BY recipe_hash LIMIT @max",
        // Sorted in memory rather than by SQLite, which would copy every row (recipe meta and all) into a temporary
        // b-tree first; the order is started_at DESC, id DESC (ids compare as bytes there, ordinally here).
        BuildJobsOrder = "",
        IdNeighbours = "WITH wanted(id) AS (VALUES {1}) SELECT w.id, " +
            "(SELECT t.id FROM {0} t WHERE t.id < w.id ORDER BY t.id DESC LIMIT 1), " +
            "(SELECT t.id FROM {0} t WHERE t.id > w.id ORDER BY t.id LIMIT 1) FROM wanted w;",
    };

    public static readonly StoreDialect Postgres = new()
    {
        ParameterPrefix = "",
        JobKey = "j.id_key",
        RecipeKey = "recipe_hash_key",
        Find = "strpos",
        HostEquals = "lower(b.host) = lower(@bhost)",
        ProjectsOfBuild = "SELECT bp.id FROM build_projects bp JOIN builds bb ON bb.id = bp.build_id WHERE bb.id_key = lower(@build)",
        LowerKeys = true,
        NullSafeEquals = "IS NOT DISTINCT FROM",
        Greatest = "greatest",
        TypedParameters = true,
        // Locking the build row serialises recorders adding the same project to one build.
        LockRow = " FOR UPDATE",
        RecordsHost = true,
        BooleanColumns = true,
        NamesPositionalParameters = false,
        DeleteLogRow = "DELETE FROM job_logs WHERE job_id = lower(@id);",
        LatestJobPerRecipeHash = "SELECT DISTINCT ON (recipe_hash_key) id_key AS job FROM jobs WHERE {0} " +
            "ORDER BY recipe_hash_key, started_at DESC LIMIT @max",
        BuildJobsOrder = " ORDER BY j.started_at DESC, j.id_key DESC",
        // id_key is lower(id) in byte order and the primary key: each side is one step along that index.
        IdNeighbours = "SELECT w.id, " +
            "(SELECT t.id FROM {0} t WHERE t.id_key < lower(w.id) ORDER BY t.id_key DESC LIMIT 1), " +
            "(SELECT t.id FROM {0} t WHERE t.id_key > lower(w.id) ORDER BY t.id_key LIMIT 1) " +
            "FROM (VALUES {1}) AS w(id);",
    };

    public required string ParameterPrefix { get; init; }

    /// <summary>The key column of a job in the job views (alias <c>j</c>).</summary>
    public required string JobKey { get; init; }

    public required string RecipeKey { get; init; }

    /// <summary>The substring function (<c>instr</c>, <c>strpos</c>).</summary>
    public required string Find { get; init; }

    public required string HostEquals { get; init; }

    public required string ProjectsOfBuild { get; init; }

    /// <summary>Ids and hashes are compared through lower-case key columns (PostgreSQL) rather than NOCASE columns.</summary>
    public required bool LowerKeys { get; init; }

    /// <summary>"Equal, or both NULL".</summary>
    public required string NullSafeEquals { get; init; }

    /// <summary>The larger of its arguments (SQLite's scalar <c>max</c>).</summary>
    public required string Greatest { get; init; }

    /// <summary>A parameter compared with NULL-safe equality needs its type spelled out (PostgreSQL cannot infer it).</summary>
    public required bool TypedParameters { get; init; }

    /// <summary>What a SELECT ends in to lock the rows it reads until the transaction ends (SQLite's write lock holds all).</summary>
    public required string LockRow { get; init; }

    /// <summary>
    /// Builds and jobs carry <c>owner_host</c>, the machine their owner process runs on: selected right after the build
    /// columns (builds) or the step key (a build's jobs), written by every insert, and only that machine judges them.
    /// </summary>
    public required bool RecordsHost { get; init; }

    /// <summary><c>jobs.cached</c> is a boolean column (else 0 or 1).</summary>
    public required bool BooleanColumns { get; init; }

    /// <summary>Positional parameters <c>$1</c>, <c>$2</c>… are added by those names (SQLite), not unnamed in order (Npgsql).</summary>
    public required bool NamesPositionalParameters { get; init; }

    /// <summary>Deletes the log of job <c>@id</c> kept in the store, where the store keeps logs.</summary>
    public required string? DeleteLogRow { get; init; }

    /// <summary>The id (as <c>job</c>, in <see cref="JobKey"/> form) of the latest job of each of the first <c>@max</c>
    /// distinct recipe hashes (in hash order) matching condition {0}.</summary>
    public required string LatestJobPerRecipeHash { get; init; }

    /// <summary>How a build's jobs are ordered by the statement (empty: sorted after reading).</summary>
    public required string BuildJobsOrder { get; init; }

    /// <summary>
    /// Each wanted id of <c>VALUES</c> list {1} with the ids before and after it in table {0}, one step each along the
    /// id index.
    /// </summary>
    public required string IdNeighbours { get; init; }

    /// <summary>A parameter as this provider wants it added.</summary>
    public (string, object?) Parameter(string name, object? value) => (ParameterPrefix + name, value);

    /// <summary>The key column of an id or hash column (SQLite compares the NOCASE column itself).</summary>
    public string Key(string column) => LowerKeys ? column + "_key" : column;

    /// <summary>A parameter compared with a key column (the key columns hold <c>lower(value)</c>, ASCII only, as "C" does).</summary>
    public string KeyOf(string parameter) => LowerKeys ? $"lower(@{parameter})" : "@" + parameter;

    /// <summary>"The id or hash in <paramref name="column"/> is <c>@<paramref name="parameter"/></c>", in any case.</summary>
    public string KeyEquals(string column, string parameter) => $"{Key(column)} = {KeyOf(parameter)}";

    /// <summary>"<paramref name="column"/> equals <c>@<paramref name="parameter"/></c>, or both are NULL".</summary>
    public string Same(string column, string parameter, string type) => $"{column} {NullSafeEquals} {Typed("@" + parameter, type)}";

    /// <summary><paramref name="expression"/> of SQL type <paramref name="type"/>, cast where the dialect needs it.</summary>
    public string Typed(string expression, string type) => TypedParameters ? $"{expression}::{type}" : expression;

    /// <summary>"<paramref name="column"/>'s key starts with <paramref name="prefix"/>", in any case, as an index range.</summary>
    public (string Sql, (string, object?)[] Parameters) StartsWith(string column, string prefix)
    {
        string low = LowerKeys ? AsciiLower(prefix) : prefix;
        return ($"{Key(column)} >= @low AND {Key(column)} < @high", [Parameter("low", low), Parameter("high", low + Top)]);
    }

    private static string AsciiLower(string text) => string.Create(text.Length, text, (span, source) =>
    {
        for (int i = 0; i < source.Length; i++)
        {
            span[i] = char.IsAsciiLetterUpper(source[i]) ? (char)(source[i] | 0x20) : source[i];
        }
    });
}

/// <summary>
/// The statements and row loops both SQL stores share, written once: the <see cref="JobQuery"/> of <c>list</c> and
/// the selectors, the build filter, the provenance parameters, and reading projects, builds and id lists.
/// </summary>
internal static partial class StoreSql
{
    /// <summary>
    /// <paramref name="select"/> (a job view select, aliases j, p, b) filtered, ordered and paged as
    /// <paramref name="query"/> says, most recent first; and its parameters.
    /// </summary>
    public static (string Sql, (string, object?)[] Parameters) Jobs(string select, JobQuery query, StoreDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        var parameters = new List<(string, object?)>
        {
            dialect.Parameter("limit", Math.Max(0, query.Limit)), dialect.Parameter("offset", Math.Max(0, query.Offset)),
        };
        if (query.FailedOnly)
        {
            where.Add("j.result = 'failed'");
        }

        if (query.FlakyOnly)
        {
            string key = dialect.RecipeKey;
            where.Add($"j.{key} IN (SELECT {key} FROM jobs WHERE result IS NOT NULL AND {key} IS NOT NULL " +
                $"GROUP BY {key} HAVING min(result) <> max(result))");
        }

        if (query.Kind is { } kind)
        {
            where.Add("j.kind = @kind");
            parameters.Add(dialect.Parameter("kind", StoreText.Of(kind)));
        }

        if (!string.IsNullOrEmpty(query.Project))
        {
            string find = dialect.Find;
            where.Add($"({find}(lower(p.name), @project) > 0 OR {find}(lower(p.local_project_path), @project) > 0 " +
                $"OR {find}(lower(p.registry_project_name), @project) > 0)");
            parameters.Add(dialect.Parameter("project", query.Project.ToLowerInvariant()));
        }

        if (!string.IsNullOrEmpty(query.BuildId))
        {
            where.Add($"j.build_projects_id IN ({dialect.ProjectsOfBuild})");
            parameters.Add(dialect.Parameter("build", query.BuildId));
        }

        AddBuildFilter(query.Where, where, parameters, dialect);
        string filter = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        return ($"{select}{filter} ORDER BY j.started_at DESC, {dialect.JobKey} DESC LIMIT @limit OFFSET @offset;", [.. parameters]);
    }

    /// <summary>The job whose id (any case) is <c>@id</c>: made once per store, as it is asked for again and again.</summary>
    public static string JobById(string select, StoreDialect dialect) => $"{select} WHERE {dialect.KeyEquals("j.id", "id")};";

    /// <summary>Up to <paramref name="max"/> jobs whose id starts with <paramref name="prefix"/>, most recent first.</summary>
    public static (string, (string, object?)[]) JobsByIdPrefix(string select, StoreDialect dialect, string prefix, int max)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        (string range, (string, object?)[] bounds) = dialect.StartsWith("j.id", prefix);
        return ($"{select} WHERE {range} ORDER BY j.started_at DESC, {dialect.JobKey} DESC LIMIT @max;",
            [.. bounds, dialect.Parameter("max", max)]);
    }

    /// <summary>Up to <paramref name="max"/> builds whose id starts with <paramref name="prefix"/>, most recent first.</summary>
    public static (string, (string, object?)[]) BuildsByIdPrefix(string select, StoreDialect dialect, string prefix, int max)
    {
        (string range, (string, object?)[] bounds) = dialect.StartsWith("b.id", prefix);
        return ($"{select} WHERE {range} ORDER BY b.started_at DESC, {dialect.Key("b.id")} DESC LIMIT @max;",
            [.. bounds, dialect.Parameter("max", max)]);
    }

    public static (string, (string, object?)[]) JobsByPid(string select, StoreDialect dialect, int pid, int max) =>
        ($"{select} WHERE j.pid = @pid ORDER BY j.started_at DESC, {dialect.JobKey} DESC LIMIT @max;",
            [dialect.Parameter("pid", pid), dialect.Parameter("max", max)]);

    /// <summary>
    /// The latest job before <paramref name="before"/> (by start, then id) with this step key, outside
    /// <paramref name="before"/>'s own build, optionally only a succeeded one.
    /// </summary>
    public static (string, (string, object?)[]) PreviousByStepKey(
        string select, StoreDialect dialect, string stepKey, JobRecord before, bool succeededOnly)
    {
        ArgumentException.ThrowIfNullOrEmpty(stepKey);
        ArgumentNullException.ThrowIfNull(before);
        string buildFilter = before.BuildProjectId is null ? "" : NotInBuildOfProject;
        string result = succeededOnly ? " AND j.result = 'succeeded'" : "";
        string id = dialect.JobKey, mine = dialect.KeyOf("id");
        return ($"{select} WHERE j.step_key = @key AND j.started_at <= @started AND {id} <> {mine}" +
            $" AND (j.started_at < @started OR {id} < {mine}){buildFilter}{result}" +
            $" ORDER BY j.step_key DESC, j.started_at DESC, {id} DESC LIMIT 1;",
            [dialect.Parameter("key", stepKey), dialect.Parameter("started", ToUnix(before.StartedAt)), dialect.Parameter("id", before.Id),
             dialect.Parameter("project", before.BuildProjectId)]);
    }

    /// <summary>Up to <paramref name="max"/> jobs of this recipe hash (any case), optionally of one result, most recent first.</summary>
    public static (string, (string, object?)[]) JobsByRecipeHash(string select, StoreDialect dialect, string recipeHash, RunResult? result, int max)
    {
        ArgumentException.ThrowIfNullOrEmpty(recipeHash);
        string filter = result is null ? "" : " AND j.result = @result";
        string key = "j." + dialect.RecipeKey;
        return ($"{select} WHERE {key} = {dialect.KeyOf("hash")}{filter} ORDER BY {key} DESC, j.started_at DESC, {dialect.JobKey} DESC LIMIT @max;",
            [dialect.Parameter("hash", recipeHash), dialect.Parameter("result", StoreText.Of(result)), dialect.Parameter("max", max)]);
    }

    /// <summary>Conditions on the build (alias <c>b</c>) for <c>--host</c> (any case) and <c>--branch</c> (exactly).</summary>
    public static void AddBuildFilter(BuildFilter? filter, List<string> where, List<(string, object?)> parameters, StoreDialect dialect)
    {
        if (filter?.Host is { } host)
        {
            where.Add(dialect.HostEquals);
            parameters.Add(dialect.Parameter("bhost", host));
        }

        if (filter?.Branch is { } branch)
        {
            where.Add("b.git_branch = @bbranch");
            parameters.Add(dialect.Parameter("bbranch", branch));
        }
    }

    /// <summary>The column list and placeholders of a build's provenance, in <see cref="ProvenanceParameters"/> order.</summary>
    public const string ProvenanceColumns = "host, user_name, git_commit, git_branch, ci_system, ci_run_id, ci_run_url";

    public const string ProvenanceValues = "@phost, @puser, @pcommit, @pbranch, @pci, @prun, @purl";

    /// <summary>A rejoined build keeps another node's provenance and fills in what it lacked (say, a CI run id).</summary>
    public const string ProvenanceFillIn =
        "host = coalesce({0}host, @phost), user_name = coalesce({0}user_name, @puser), " +
        "git_commit = coalesce({0}git_commit, @pcommit), git_branch = coalesce({0}git_branch, @pbranch), " +
        "ci_system = coalesce({0}ci_system, @pci), ci_run_id = coalesce({0}ci_run_id, @prun), " +
        "ci_run_url = coalesce({0}ci_run_url, @purl)";

    public static (string, object?)[] ProvenanceParameters(BuildProvenance? provenance, StoreDialect dialect)
    {
        BuildProvenance p = provenance ?? BuildProvenance.None;
        return [dialect.Parameter("phost", p.Host), dialect.Parameter("puser", p.User), dialect.Parameter("pcommit", p.GitCommit),
            dialect.Parameter("pbranch", p.GitBranch), dialect.Parameter("pci", p.CiSystem), dialect.Parameter("prun", p.CiRunId),
            dialect.Parameter("purl", p.CiRunUrl)];
    }

    /// <summary>Retention: the projects left without jobs in builds that started before <c>@before</c> and are not running.</summary>
    public const string DeleteEmptyProjects =
        "DELETE FROM build_projects WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.build_projects_id = build_projects.id) " +
        "AND build_id IN (SELECT id FROM builds WHERE started_at < @before AND state <> 'running');";

    /// <summary>Retention: the builds left without projects that started before <c>@before</c> and are not running.</summary>
    public const string DeleteEmptyBuilds =
        "DELETE FROM builds WHERE started_at < @before AND state <> 'running' " +
        "AND NOT EXISTS (SELECT 1 FROM build_projects p WHERE p.build_id = builds.id);";

    public const string SelectLocalPaths = "SELECT DISTINCT local_path FROM jobs WHERE local_path IS NOT NULL;";

    /// <summary>Every row's <see cref="ProjectColumns"/> (from ordinal 0).</summary>
    public static List<ProjectRecord> ReadProjects(DbDataReader reader)
    {
        var projects = new List<ProjectRecord>();
        while (reader.Read())
        {
            projects.Add(ReadProject(reader, 0)!);
        }

        return projects;
    }

    /// <summary>The first column of every row, as text, into a set.</summary>
    public static HashSet<string> ReadStrings(DbDataReader reader, StringComparer comparer)
    {
        var values = new HashSet<string>(comparer);
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    /// <summary>
    /// Build rows of <see cref="BuildColumns"/> followed by <paramref name="extra"/> columns: its project, job and failed
    /// job counts as the last three.
    /// </summary>
    public static List<BuildSummary> ReadBuildSummaries(DbDataReader reader, Func<DbDataReader, BuildRecord> readBuild, int extra)
    {
        var builds = new List<BuildSummary>();
        int counts = BuildColumnCount + extra;
        while (reader.Read())
        {
            builds.Add(new BuildSummary(readBuild(reader), reader.GetInt32(counts), reader.GetInt32(counts + 1), reader.GetInt32(counts + 2)));
        }

        return builds;
    }

    /// <summary>Build rows of <see cref="BuildColumns"/> (from ordinal 0).</summary>
    public static List<BuildRecord> ReadBuilds(DbDataReader reader, Func<DbDataReader, BuildRecord> readBuild)
    {
        var builds = new List<BuildRecord>();
        while (reader.Read())
        {
            builds.Add(readBuild(reader));
        }

        return builds;
    }
}
