using Npgsql;
using static BriocheJob.Store.StoreRows;

namespace BriocheJob.Store;

/// <summary>The lookups the history commands (diff, why, logs --diff, flaky) need, each one index range.</summary>
public sealed partial class PostgresJobStore
{
    public JobView? FindPreviousByStepKey(string stepKey, JobRecord before, bool succeededOnly = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(stepKey);
        ArgumentNullException.ThrowIfNull(before);
        (string sql, (string, object?)[] parameters) = StoreSql.PreviousByStepKey(JobViewSelectWithHosts, StoreDialect.Postgres, stepKey, before, succeededOnly);
        return Run(c => ReadJobViews(c, sql, parameters).FirstOrDefault());
    }

    public IReadOnlyList<JobView> FindJobsByRecipeHash(string recipeHash, RunResult? result, int max)
    {
        ArgumentException.ThrowIfNullOrEmpty(recipeHash);
        (string sql, (string, object?)[] parameters) = StoreSql.JobsByRecipeHash(JobViewSelectWithHosts, StoreDialect.Postgres, recipeHash, result, max);
        return Run(c => ReadJobViews(c, sql, parameters));
    }

    public IReadOnlySet<string> FindFlakyRecipeHashes(IEnumerable<string> recipeHashes)
    {
        ArgumentNullException.ThrowIfNull(recipeHashes);
        var flaky = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string[] distinct = recipeHashes.Where(h => !string.IsNullOrEmpty(h)).Select(h => h.ToLowerInvariant()).Distinct().ToArray();
        if (distinct.Length == 0)
        {
            return flaky;
        }

        return Run(c =>
        {
            const int Chunk = 500;
            for (int at = 0; at < distinct.Length; at += Chunk)
            {
                var parameters = distinct[at..Math.Min(distinct.Length, at + Chunk)].Select((h, i) => ($"h{i}", (object?)h)).ToArray();
                string list = string.Join(", ", parameters.Select(p => "@" + p.Item1));
                using NpgsqlCommand command = Command(c, null,
                    $"SELECT min(recipe_hash) FROM jobs WHERE recipe_hash_key IN ({list}) AND result IS NOT NULL " +
                    "GROUP BY recipe_hash_key HAVING min(result) <> max(result);", parameters);
                using NpgsqlDataReader reader = command.ExecuteReader();
                while (reader.Read())
                {
                    flaky.Add(reader.GetString(0));
                }
            }

            return flaky;
        });
    }

    public BuildRecord? FindPreviousBuildSharingProject(string buildId)
    {
        ArgumentException.ThrowIfNullOrEmpty(buildId);
        return Run(c =>
        {
            using NpgsqlCommand command = Command(c, null,
                $"SELECT {BuildColumns}, b.owner_host FROM builds b, builds h WHERE h.id_key = lower(@id) AND b.id <> h.id " +
                "AND (b.started_at < h.started_at OR (b.started_at = h.started_at AND b.id_key < h.id_key)) " +
                "AND EXISTS (SELECT 1 FROM build_projects p JOIN build_projects hp ON hp.build_id = h.id " +
                "AND hp.kind = p.kind AND coalesce(hp.name, hp.registry_project_name, hp.local_project_path) = " +
                "coalesce(p.name, p.registry_project_name, p.local_project_path) WHERE p.build_id = b.id) " +
                "ORDER BY b.started_at DESC, b.id_key DESC LIMIT 1;",
                ("id", buildId));
            using NpgsqlDataReader reader = command.ExecuteReader();
            return reader.Read() ? ReadBuildOnHost(reader, 0, BuildColumnCount, new Dictionary<int, bool>()) : null;
        });
    }

    /// <summary>The projects with these ids (for the step keys of the jobs being saved).</summary>
    private static Dictionary<long, ProjectRecord> LoadProjects(NpgsqlConnection connection, long[] ids)
    {
        var projects = new Dictionary<long, ProjectRecord>();
        if (ids.Length == 0)
        {
            return projects;
        }

        // IN lists, not arrays: the slim data source has no array types (Native AOT stays small).
        var parameters = ids.Select((id, i) => ($"i{i}", (object?)id)).ToArray();
        using NpgsqlCommand command = Command(connection, null,
            $"SELECT {ProjectColumns} FROM build_projects p WHERE p.id IN ({string.Join(", ", parameters.Select(p => "@" + p.Item1))});",
            parameters);
        using NpgsqlDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            ProjectRecord project = ReadProject(reader, 0)!;
            projects[project.Id] = project;
        }

        return projects;
    }

    private static string? Text(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    /// <summary>Computes the step key of every job recorded before the schema had one (part of migration 5).</summary>
    private static void BackfillStepKeys(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var keys = new List<(string Id, string? Key)>();
        using (NpgsqlCommand select = Command(connection, transaction,
            "SELECT j.id, j.kind, j.name, j.recipe_meta, p.name, p.registry_project_name, p.local_project_path " +
            "FROM jobs j LEFT JOIN build_projects p ON p.id = j.build_projects_id WHERE j.step_key IS NULL;"))
        using (NpgsqlDataReader r = select.ExecuteReader())
        {
            while (r.Read())
            {
                string project = StepKeys.ProjectName(Text(r, 4), Text(r, 5), Text(r, 6));
                keys.Add((r.GetString(0), StepKeys.Compute(StoreText.ParseKind(r.GetString(1)), project,
                    Text(r, 6), Text(r, 2), Text(r, 3))));
            }
        }

        foreach ((string id, string? value) in keys.Where(k => k.Key is not null))
        {
            using NpgsqlCommand update = Command(connection, transaction,
                "UPDATE jobs SET step_key = @key WHERE id = @id;", ("key", value), ("id", id));
            update.ExecuteNonQuery();
        }
    }
}
