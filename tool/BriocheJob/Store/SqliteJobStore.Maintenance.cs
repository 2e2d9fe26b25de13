using BriocheJob.Diagnostics;
using Microsoft.Data.Sqlite;

namespace BriocheJob.Store;

/// <summary>Retention and whole-build recording (<see cref="IStoreMaintenance"/>) for the SQLite store.</summary>
public sealed partial class SqliteJobStore : IStoreMaintenance
{
    /// <summary>SQLite's <c>PRAGMA auto_vacuum</c> value for INCREMENTAL.</summary>
    private const int AutoVacuumIncremental = 2;

    /// <summary>
    /// A new database gets <c>auto_vacuum = INCREMENTAL</c> before its first table, so <c>prune</c> can give freed
    /// pages back without rewriting the file. Older databases switch on their first <c>prune</c> (one VACUUM).
    /// </summary>
    private static void PrepareNewDatabase(SqliteConnection connection, int version)
    {
        if (version == 0)
        {
            Execute(connection, "PRAGMA auto_vacuum = INCREMENTAL;");
        }
    }

    /// <summary><c>PRAGMA auto_vacuum</c>: 0 none, 1 full, 2 incremental.</summary>
    public int AutoVacuumMode => Read(c => Convert.ToInt32(Scalar(c, "PRAGMA auto_vacuum;")));

    public override long Compact(bool allowFullVacuum, int? maxPages = null) => Read(c =>
    {
        long pageSize = Convert.ToInt64(Scalar(c, "PRAGMA page_size;"));
        long pagesBefore = Convert.ToInt64(Scalar(c, "PRAGMA page_count;"));
        int mode = Convert.ToInt32(Scalar(c, "PRAGMA auto_vacuum;"));
        if (mode != AutoVacuumIncremental && allowFullVacuum)
        {
            // The mode of an existing file changes only through a VACUUM, which rewrites it once.
            Execute(c, "PRAGMA auto_vacuum = INCREMENTAL;");
            Execute(c, "VACUUM;");
        }
        else if (mode == AutoVacuumIncremental)
        {
            Execute(c, maxPages is { } pages ? $"PRAGMA incremental_vacuum({Math.Max(1, pages)});" : "PRAGMA incremental_vacuum;");
        }

        // Move the result from the WAL into the file; a busy reader only delays it, which is fine.
        Execute(c, "PRAGMA wal_checkpoint(TRUNCATE);");
        long pagesAfter = Convert.ToInt64(Scalar(c, "PRAGMA page_count;"));
        return Math.Max(0, pagesBefore - pagesAfter) * pageSize;
    });

}
