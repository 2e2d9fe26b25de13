using BriocheJob.Store;

namespace BriocheJob.Retention;

/// <summary>
/// Removes Brioche's <c>process-temp/&lt;ULID&gt;</c> folders of finished jobs that we recorded (we keep their logs).
/// A folder whose name is no recorded job, a running job's folder, and a folder holding the only copy of a job's
/// log (an <c>import brioche</c> job points into it) are left alone.
/// </summary>
public static class BriocheTempsPruner
{
    public static BriocheTempsReport Run(IJobStore store, string briocheDataDir, bool dryRun)
    {
        var processTemp = Path.Combine(Path.GetFullPath(briocheDataDir), "process-temp");
        var problems = new List<string>();
        int folders = 0, keptWithoutCopy = 0;
        long freed = 0;
        if (!Directory.Exists(processTemp))
        {
            return new BriocheTempsReport(processTemp, 0, 0, 0, problems);
        }

        foreach (var folder in Directory.EnumerateDirectories(processTemp).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            if (!Ulid.IsValid(name) || store.GetJob(name)?.Job is not { Kind: JobKind.Brioche } job || job.State == RunState.Running)
            {
                continue;
            }

            if (job.LocalPath is { } log && Path.GetFullPath(log).StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                keptWithoutCopy++;
                continue;
            }

            long size = FolderSize(folder);
            if (!dryRun)
            {
                try
                {
                    DeleteFolder(folder);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    problems.Add($"cannot remove {folder}: {e.Message}");
                    continue;
                }
            }

            folders++;
            freed += size;
        }

        return new BriocheTempsReport(processTemp, folders, freed, keptWithoutCopy, problems);
    }

    private static long FolderSize(string folder)
    {
        try
        {
            return new DirectoryInfo(folder).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                .Sum(f => f.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Deletes a folder tree; sandbox outputs may be read-only, so folders are made writable first.</summary>
    private static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (UnauthorizedAccessException) when (!OperatingSystem.IsWindows())
        {
            foreach (var directory in Directory.EnumerateDirectories(folder, "*", SearchOption.AllDirectories).Prepend(folder))
            {
                File.SetUnixFileMode(directory, File.GetUnixFileMode(directory) | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.UserRead);
            }

            Directory.Delete(folder, recursive: true);
        }
    }
}
