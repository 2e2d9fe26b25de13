using System.Data.Common;
using static BriocheJob.Store.StoreRows;

namespace BriocheJob.Store;

/// <summary>
/// Where the two SQL stores' dialects differ in the statements they share: how a parameter is named when it is added
/// (SQLite's provider wants the <c>@</c>, Npgsql does not; the SQL text says <c>@name</c> in both), which column keys a
/// job and a recipe hash (SQLite's NOCASE columns, PostgreSQL's lower-case key columns), and the substring function.
/// </summary>
internal sealed record StoreDialect(
    string ParameterPrefix, string JobKey, string RecipeKey, string Find, string HostEquals, string ProjectsOfBuild, string BuildKeyEquals,
    bool LowerKeys)
{
    /// <summary>
    /// U+10FFFF sorts after every character an id or hash holds: <c>p &lt;= key &lt; p + U+10FFFF</c> is "starts with p"
    /// (SQLite's NOCASE folds only ASCII, as PostgreSQL's <c>lower()</c> under "C" does).
    /// </summary>
    private static readonly string Top = char.ConvertFromUtf32(0x10FFFF);

    public static readonly StoreDialect Sqlite = new("@", "j.id", "recipe_hash", "instr", "b.host = @bhost",
        "SELECT id FROM build_projects WHERE build_id = @build", "id = @key", LowerKeys: false);

    public static readonly StoreDialect Postgres = new("", "j.id_key", "recipe_hash_key", "strpos", "lower(b.host) = lower(@bhost)",
        "SELECT bp.id FROM build_projects bp JOIN builds bb ON bb.id = bp.build_id WHERE bb.id_key = lower(@build)",
        "id_key = lower(@key)", LowerKeys: true);

    /// <summary>A parameter as this provider wants it added.</summary>
    public (string, object?) Parameter(string name, object? value) => (ParameterPrefix + name, value);

    /// <summary>The key column of an id or hash column (SQLite compares the NOCASE column itself).</summary>
    public string Key(string column) => LowerKeys ? column + "_key" : column;

    /// <summary>A parameter compared with a key column (the key columns hold <c>lower(value)</c>, ASCII only, as "C" does).</summary>
    public string KeyOf(string parameter) => LowerKeys ? $"lower(@{parameter})" : "@" + parameter;

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
internal static class StoreSql
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

    /// <summary>Up to <paramref name="max"/> jobs whose id starts with <paramref name="prefix"/>, most recent first.</summary>
    public static (string, (string, object?)[]) JobsByIdPrefix(string select, StoreDialect dialect, string prefix, int max)
    {
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

    /// <summary>
    /// The ids either side of each wanted id, one statement per 500 ids passed as parameters (the slim PostgreSQL data
    /// source writes no arrays). <paramref name="command"/> makes one batch's statement from its parameters' names
    /// (as the SQL text says them) and values; it selects the wanted id, the one before and the one after.
    /// </summary>
    public static List<IdNeighbours> FindIdNeighbours(
        IReadOnlyCollection<string> ids, StoreDialect dialect, Func<string, (string, object?)[], DbCommand> command)
    {
        ArgumentNullException.ThrowIfNull(ids);
        const int Chunk = 500;
        string[] distinct = ids.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var found = new List<IdNeighbours>(distinct.Length);
        for (int at = 0; at < distinct.Length; at += Chunk)
        {
            string[] chunk = distinct[at..Math.Min(distinct.Length, at + Chunk)];
            var parameters = chunk.Select((id, i) => ($"{dialect.ParameterPrefix}i{i}", (object?)id)).ToArray();
            string values = string.Join(", ", chunk.Select((_, i) => $"(@i{i})"));
            using DbCommand statement = command(values, parameters);
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
}
