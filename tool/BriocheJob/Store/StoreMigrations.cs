using BriocheJob.Diagnostics;

namespace BriocheJob.Store;

/// <summary>One numbered forward migration: <paramref name="Number"/> is the schema version it brings a store to.</summary>
internal sealed record Migration(int Number, string Description, string Sql);

/// <summary>
/// A store's migrations in order. Both stores number them from 1 and refuse a schema newer than they know
/// (BJ1002), before writing anything. Append new migrations; never edit a released one.
/// </summary>
internal sealed class MigrationList
{
    public MigrationList(IReadOnlyList<Migration> migrations)
    {
        for (int i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Number != i + 1)
            {
                throw new InvalidOperationException($"migration {i + 1} is numbered {migrations[i].Number}");
            }
        }

        All = migrations;
    }

    public IReadOnlyList<Migration> All { get; }

    public int CurrentVersion => All.Count;

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
}
