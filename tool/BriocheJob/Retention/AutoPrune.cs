using BriocheJob.Store;

namespace BriocheJob.Retention;

/// <summary>
/// The bounded prune after an MSBuild recording: when the data home holds more than the cap
/// (<c>BriocheJobMaxSize</c>, default 5 GiB), the default policy runs, removing at most
/// <see cref="MaxFilesPerRun"/> files and compacting a bounded number of pages, so a build is never held up for long.
/// </summary>
public static class AutoPrune
{
    public const long DefaultMaxBytes = 5L << 30;
    public const int MaxFilesPerRun = 2000;

    /// <summary>Prunes when the home is over <paramref name="maxBytes"/>; returns the size found and the report (null when under the cap).</summary>
    public static (long HomeBytes, PruneReport? Report) RunIfOverCap(DataHome home, long maxBytes, DateTimeOffset now)
    {
        long size = HomeSize(home);
        if (size <= maxBytes)
        {
            return (size, null);
        }

        using var store = SqliteJobStore.Open(home);
        var report = new Pruner(store, home).Run(new PrunePolicy { MaxFiles = MaxFilesPerRun }, now);
        return (size, report);
    }

    /// <summary>Bytes of every file under the data home.</summary>
    public static long HomeSize(DataHome home)
    {
        if (!Directory.Exists(home.Root))
        {
            return 0;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        return new DirectoryInfo(home.Root).EnumerateFiles("*", options).Sum(f => f.Length);
    }
}
