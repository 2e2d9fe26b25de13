using System.Data.Common;
using BriocheJob.Diagnostics;

namespace BriocheJob.Store;

/// <summary>One numbered forward migration: <paramref name="Number"/> is the schema version it brings a store to.</summary>
internal sealed record Migration(int Number, string Description, string Sql);

/// <summary>
/// A store's migrations in order, and how they are run. Both stores number them from 1 and refuse a schema newer than
/// they know (BJ1002), before writing anything. Append new migrations; never edit a released one.
/// </summary>
internal sealed class MigrationList
{
    /// <param name="migrations">The migrations, numbered from 1.</param>
    /// <param name="stepKeyVersion">The version that added <c>jobs.step_key</c>: older rows get their key computed.</param>
    public MigrationList(IReadOnlyList<Migration> migrations, int stepKeyVersion)
    {
        for (int i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Number != i + 1)
            {
                throw new InvalidOperationException($"migration {i + 1} is numbered {migrations[i].Number}");
            }
        }

        All = migrations;
        StepKeyVersion = stepKeyVersion;
    }

    public IReadOnlyList<Migration> All { get; }

    public int CurrentVersion => All.Count;

    /// <summary>The version that added <c>jobs.step_key</c>: rows from before it get their key computed on migration.</summary>
    public int StepKeyVersion { get; }

    /// <summary>The migrations that bring a store at <paramref name="version"/> to <see cref="CurrentVersion"/>.</summary>
    public IEnumerable<Migration> After(int version) => All.Skip(version);

    /// <summary>Refuses a store whose schema is newer than this build knows; <paramref name="where"/> names it (redacted).</summary>
    public void ThrowIfNewer(int version, string where, string remedy)
    {
        if (version > CurrentVersion)
        {
            throw Catalog.Store.DatabaseTooNew.Exception(where, version, CurrentVersion, remedy);
        }
    }

    /// <summary>
    /// In the transaction of <paramref name="db"/> (the caller holds the store's migration lock and commits): runs the
    /// migrations after <paramref name="version"/>, computes the step keys of rows recorded before there were any, and
    /// records <see cref="CurrentVersion"/> with the statement <paramref name="markVersion"/>.
    /// </summary>
    public void Apply(StoreCommands db, int version, string markVersion)
    {
        foreach (Migration migration in After(version))
        {
            db.Execute(migration.Sql);
        }

        if (version > 0 && version < StepKeyVersion)
        {
            BackfillStepKeys(db);
        }

        db.Execute(markVersion);
    }

    /// <summary>Computes the step key of every job recorded before the schema had one.</summary>
    private static void BackfillStepKeys(StoreCommands db)
    {
        var keys = new List<(string Id, string Key)>();
        using (DbCommand select = db.Command(
            "SELECT j.id, j.kind, j.name, j.recipe_meta, p.name, p.registry_project_name, p.local_project_path " +
            "FROM jobs j LEFT JOIN build_projects p ON p.id = j.build_projects_id WHERE j.step_key IS NULL;"))
        using (DbDataReader r = select.ExecuteReader())
        {
            static string? Text(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
            while (r.Read())
            {
                string project = StepKeys.ProjectName(Text(r, 4), Text(r, 5), Text(r, 6));
                if (StepKeys.Compute(StoreText.ParseKind(r.GetString(1)), project, Text(r, 6), Text(r, 2), Text(r, 3)) is { } key)
                {
                    keys.Add((r.GetString(0), key));
                }
            }
        }

        using DbCommand update = db.Command("UPDATE jobs SET step_key = @key WHERE id = @id;");
        DbParameter keyParameter = db.AddParameter(update, "key");
        DbParameter idParameter = db.AddParameter(update, "id");
        foreach ((string id, string key) in keys)
        {
            keyParameter.Value = key;
            idParameter.Value = id;
            update.ExecuteNonQuery();
        }
    }
}
