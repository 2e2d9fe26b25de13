using BriocheJob.Diagnostics;

namespace BriocheJob.Store;

/// <summary>
/// The folder holding the job database and job-local files:
/// <c>$BRIOCHE_JOB_HOME</c>, else <c>$XDG_DATA_HOME/brioche-job</c>, else <c>~/.local/share/brioche-job</c>.
/// Folders we create are 0700 and files 0600, whatever the umask: job logs can hold secrets.
/// </summary>
public sealed class DataHome
{
    public const string HomeVariable = "BRIOCHE_JOB_HOME";
    public const string DatabaseFileName = "jobs.db";
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public DataHome(string root)
    {
        if (string.IsNullOrWhiteSpace(root))
        {
            throw Catalog.Store.DataHomePathEmpty.Exception();
        }

        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary><c>&lt;home&gt;/jobs.db</c>.</summary>
    public string DatabasePath => Path.Combine(Root, DatabaseFileName);

    /// <summary><c>&lt;home&gt;/jobs</c>, the parent of every job folder.</summary>
    public string JobsRoot => Path.Combine(Root, "jobs");

    /// <summary>The data home from the environment of this process.</summary>
    public static DataHome FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>The data home from the given environment (tests pass their own lookup).</summary>
    public static DataHome FromEnvironment(Func<string, string?> getVariable)
    {
        string? explicitHome = getVariable(HomeVariable);
        if (!string.IsNullOrEmpty(explicitHome))
        {
            return new DataHome(explicitHome);
        }

        // The XDG spec says relative values are invalid and must be ignored.
        string? xdgDataHome = getVariable("XDG_DATA_HOME");
        if (!string.IsNullOrEmpty(xdgDataHome) && Path.IsPathRooted(xdgDataHome))
        {
            return new DataHome(Path.Combine(xdgDataHome, "brioche-job"));
        }

        string? userHome = getVariable("HOME");
        if (string.IsNullOrEmpty(userHome))
        {
            userHome = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        if (string.IsNullOrEmpty(userHome))
        {
            throw Catalog.Store.NoDataHome.Exception(HomeVariable);
        }

        return new DataHome(Path.Combine(userHome, ".local", "share", "brioche-job"));
    }

    /// <summary>The folder for files of one job: <c>&lt;home&gt;/jobs/&lt;jobId&gt;</c> (not created).</summary>
    public string JobDirectory(string jobId)
    {
        if (!IsSafeFolderName(jobId))
        {
            throw Catalog.Store.JobIdNotAFolderName.Exception(jobId);
        }

        return Path.Combine(JobsRoot, jobId);
    }

    /// <summary>Creates the home folder (0700) if needed and returns this.</summary>
    public DataHome EnsureCreated()
    {
        CreatePrivateFolder(Root);
        return this;
    }

    /// <summary>Creates <c>&lt;home&gt;/jobs/&lt;jobId&gt;</c> and its parents (each 0700) and returns its path.</summary>
    public string EnsureJobDirectory(string jobId)
    {
        string path = JobDirectory(jobId);
        CreatePrivateFolder(Root);
        CreatePrivateFolder(JobsRoot);
        CreatePrivateFolder(path);
        return path;
    }

    /// <summary>Creates <c>&lt;home&gt;/cache/logs</c> (each 0700), where logs held by a server store are written to read them.</summary>
    public string EnsureLogCacheFolder()
    {
        string cache = Path.Combine(Root, "cache");
        CreatePrivateFolder(Root);
        CreatePrivateFolder(cache);
        CreatePrivateFolder(Path.Combine(cache, "logs"));
        return Path.Combine(cache, "logs");
    }

    /// <summary>Creates a folder 0700 when missing. An existing folder keeps the mode its owner gave it.</summary>
    internal static void CreatePrivateFolder(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                return;
            }

            if (File.Exists(path))
            {
                throw Catalog.Store.DataHomeIsAFile.Exception(path);
            }

            string? parent = Path.GetDirectoryName(path);
            if (parent is not null && !Directory.Exists(parent))
            {
                // Parents we create (e.g. ~/.local/share) follow the usual default, like other XDG tools.
                Directory.CreateDirectory(parent);
            }

            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, FolderMode);
                // The mode given at creation is masked by the umask; set it again to be exact.
                File.SetUnixFileMode(path, FolderMode);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Catalog.Store.DataHomeUnusable.ExceptionFrom(ex, path, ex.Message);
        }
    }

    /// <summary>Makes a file 0600 (no-op on Windows or when the file does not exist).</summary>
    internal static void MakePrivateFile(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path))
        {
            File.SetUnixFileMode(path, FileMode);
        }
    }

    private static bool IsSafeFolderName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 128)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
