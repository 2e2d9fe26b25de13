using BriocheJob.Diagnostics;
namespace BriocheJob.Store;

/// <summary>Opens the store a location names: the embedded SQLite file in the data home, or a PostgreSQL server.</summary>
public static class JobStores
{
    /// <summary>The file of the local spool that keeps jobs while the server cannot take them.</summary>
    public const string SpoolFileName = "spool.db";

    public static IJobStore Open(StoreLocation location, DataHome home)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(home);
        return location.IsServer ? PostgresJobStore.Open(location) : SqliteJobStore.Open(home);
    }

    /// <summary>The spool database path in the data home.</summary>
    public static string SpoolPath(DataHome home) => Path.Combine(home.Root, SpoolFileName);

    /// <summary>
    /// For recording: the server store, wrapped so that a server that is down or stops answering makes the build go on
    /// into the local spool, with one <see cref="Catalog.Server.RecordedToSpool"/> warning through <paramref name="warn"/>.
    /// Jobs spooled by earlier runs are flushed first when the server answers. The embedded store is returned as is.
    /// </summary>
    public static IJobStore OpenForRecording(StoreLocation location, DataHome home, Action<string, string> warn)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (!location.IsServer)
        {
            return SqliteJobStore.Open(home);
        }

        return SpoolingJobStore.Open(location, home, warn);
    }

    /// <summary>Sends what the spool holds to the server; builds still being recorded stay. Returns what was sent.</summary>
    public static StoreCopyResult Flush(DataHome home, IJobStore server)
    {
        string path = SpoolPath(home);
        if (!File.Exists(path))
        {
            return new StoreCopyResult(0, 0, 0, 0, 0);
        }

        home.EnsureCreated();
        using SqliteJobStore spool = SqliteJobStore.Open(path);
        var done = new List<string>();
        var all = new List<string>();
        for (int offset = 0; ; offset += 200)
        {
            IReadOnlyList<BuildSummary> page = spool.QueryBuilds(200, offset);
            foreach (BuildSummary summary in page)
            {
                all.Add(summary.Build.Id);
                if (summary.Build.State != RunState.Running)
                {
                    done.Add(summary.Build.Id);
                }
            }

            if (page.Count < 200)
            {
                break;
            }
        }

        all.Reverse();
        // Builds still running in a live recorder are copied too (their jobs so far), but stay in the spool.
        StoreCopyResult result = StoreCopy.Copy(spool, server, all);
        spool.DeleteBuilds(done);
        return result;
    }
}
