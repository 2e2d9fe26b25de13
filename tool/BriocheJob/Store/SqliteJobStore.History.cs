using Microsoft.Data.Sqlite;
using static BriocheJob.Store.StoreRows;

namespace BriocheJob.Store;

/// <summary>The lookups the history commands (diff, why, logs --diff, flaky) need, each one index range.</summary>
public sealed partial class SqliteJobStore
{
    public JobView? FindPreviousByStepKey(string stepKey, JobRecord before, bool succeededOnly = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(stepKey);
        ArgumentNullException.ThrowIfNull(before);
        (string sql, (string, object?)[] parameters) = StoreSql.PreviousByStepKey(JobViewSelect, StoreDialect.Sqlite, stepKey, before, succeededOnly);
        return Read(c => ReadJobViews(c, sql, parameters).FirstOrDefault());
    }

    public IReadOnlyList<JobView> FindJobsByRecipeHash(string recipeHash, RunResult? result, int max)
    {
        ArgumentException.ThrowIfNullOrEmpty(recipeHash);
        (string sql, (string, object?)[] parameters) = StoreSql.JobsByRecipeHash(JobViewSelect, StoreDialect.Sqlite, recipeHash, result, max);
        return Read(c => ReadJobViews(c, sql, parameters));
    }

    public IReadOnlySet<string> FindFlakyRecipeHashes(IEnumerable<string> recipeHashes)
    {
        ArgumentNullException.ThrowIfNull(recipeHashes);
        var flaky = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string[] distinct = recipeHashes.Where(h => !string.IsNullOrEmpty(h)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (distinct.Length == 0)
        {
            return flaky;
        }

        return Read(c =>
        {
            const int Chunk = 500;
            for (int at = 0; at < distinct.Length; at += Chunk)
            {
                string[] chunk = distinct[at..Math.Min(distinct.Length, at + Chunk)];
                var parameters = chunk.Select((h, i) => ($"@h{i}", (object?)h)).ToArray();
                string list = string.Join(", ", parameters.Select(p => p.Item1));
                using SqliteCommand command = Command(c, null,
                    $"SELECT recipe_hash FROM jobs WHERE recipe_hash IN ({list}) AND result IS NOT NULL " +
                    "GROUP BY recipe_hash HAVING min(result) <> max(result);", parameters);
                using SqliteDataReader reader = command.ExecuteReader();
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
        return Read(c =>
        {
            using SqliteCommand command = Command(c, null,
                $"SELECT {BuildColumns} FROM builds b, builds h WHERE h.id = @id AND b.id <> h.id " +
                "AND (b.started_at < h.started_at OR (b.started_at = h.started_at AND b.id < h.id)) " +
                "AND EXISTS (SELECT 1 FROM build_projects p JOIN build_projects hp ON hp.build_id = h.id " +
                "AND hp.kind = p.kind AND coalesce(hp.name, hp.registry_project_name, hp.local_project_path) = " +
                "coalesce(p.name, p.registry_project_name, p.local_project_path) WHERE p.build_id = b.id) " +
                "ORDER BY b.started_at DESC, b.id DESC LIMIT 1;",
                ("@id", buildId));
            using SqliteDataReader reader = command.ExecuteReader();
            return reader.Read() ? ReadBuild(reader, 0, new Dictionary<int, bool>()) : null;
        });
    }

    private static ProjectRecord? ProjectOf(SqliteConnection connection, SqliteTransaction transaction, long? projectId,
        Dictionary<long, ProjectRecord?> cache)
    {
        if (projectId is not { } id)
        {
            return null;
        }

        if (!cache.TryGetValue(id, out ProjectRecord? project))
        {
            using SqliteCommand command = Command(connection, transaction,
                $"SELECT {ProjectColumns} FROM build_projects p WHERE p.id = @id;", ("@id", id));
            using SqliteDataReader reader = command.ExecuteReader();
            project = reader.Read() ? ReadProject(reader, 0) : null;
            cache[id] = project;
        }

        return project;
    }

    private static string? Text(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    /// <summary>Computes the step key of every job recorded before the schema had one (part of the v3 migration).</summary>
    private static void BackfillStepKeys(SqliteConnection connection, SqliteTransaction transaction)
    {
        var keys = new List<(string Id, string? Key)>();
        using (SqliteCommand select = Command(connection, transaction,
            "SELECT j.id, j.kind, j.name, j.recipe_meta, p.name, p.registry_project_name, p.local_project_path " +
            "FROM jobs j LEFT JOIN build_projects p ON p.id = j.build_projects_id WHERE j.step_key IS NULL;"))
        using (SqliteDataReader r = select.ExecuteReader())
        {
            while (r.Read())
            {
                string project = StepKeys.ProjectName(Text(r, 4), Text(r, 5), Text(r, 6));
                keys.Add((r.GetString(0), StepKeys.Compute(StoreText.ParseKind(r.GetString(1)), project,
                    Text(r, 6), Text(r, 2), Text(r, 3))));
            }
        }

        using SqliteCommand update = Command(connection, transaction, "UPDATE jobs SET step_key = @key WHERE id = @id;");
        SqliteParameter key = update.Parameters.Add("@key", SqliteType.Text);
        SqliteParameter idParameter = update.Parameters.Add("@id", SqliteType.Text);
        foreach ((string id, string? value) in keys)
        {
            key.Value = value ?? (object)DBNull.Value;
            idParameter.Value = id;
            update.ExecuteNonQuery();
        }
    }
}
