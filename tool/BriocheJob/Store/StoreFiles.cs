using BriocheJob.Diagnostics;

namespace BriocheJob.Store;

/// <summary>
/// File modes of the embedded store: the database is created 0600 before SQLite opens it, because SQLite gives its
/// <c>-wal</c> and <c>-shm</c> files the database file's mode; job logs and records can hold secrets.
/// </summary>
internal static class StoreFiles
{
    private static readonly string[] CompanionSuffixes = ["", "-wal", "-shm"];

    /// <summary>Creates an empty 0600 file unless it exists (another process may win the race; that is fine).</summary>
    public static void CreatePrivateEmptyFile(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = DataHome.FileMode;
            }

            using (new FileStream(path, options))
            {
            }

            DataHome.MakePrivateFile(path);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Catalog.Store.CannotCreateDatabase.ExceptionFrom(ex, path, ex.Message);
        }
    }

    /// <summary>Makes the database and its WAL companions 0600, whatever the umask was when they were made.</summary>
    public static void MakeDatabasePrivate(string databasePath)
    {
        foreach (string suffix in CompanionSuffixes)
        {
            DataHome.MakePrivateFile(databasePath + suffix);
        }
    }
}
