namespace BriocheJob.Recording;

/// <summary>
/// Reports each folder that appears in Brioche's <c>process-temp</c> after it was created, once. A file-system
/// watcher reports new folders at once; a polling scan backs it up (watchers can overflow or miss events).
/// Folders present at the start belong to earlier runs and are never reported.
/// </summary>
internal sealed class BriocheProcessTempWatcher : IDisposable
{
    private readonly string _processTemp;
    private readonly Action<string> _onNewFolder;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _timer;
    private bool _disposed;

    public BriocheProcessTempWatcher(string processTemp, TimeSpan pollInterval, Action<string> onNewFolder)
    {
        _processTemp = processTemp;
        _onNewFolder = onNewFolder;
        // Brioche creates process-temp itself; creating it first lets us watch it from the start.
        Directory.CreateDirectory(processTemp);
        foreach (var existing in Directory.EnumerateDirectories(processTemp))
        {
            _seen.Add(Path.GetFileName(existing));
        }

        try
        {
            _watcher = new FileSystemWatcher(processTemp)
            {
                NotifyFilter = NotifyFilters.DirectoryName,
                IncludeSubdirectories = false,
            };
            _watcher.Created += (_, e) => Consider(e.FullPath);
            _watcher.Error += (_, _) => ScanNow();
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or ArgumentException)
        {
            // No inotify watches left, for one: polling alone still finds the folders.
            _watcher?.Dispose();
            _watcher = null;
        }

        _timer = new Timer(_ => ScanNow(), null, pollInterval, pollInterval);
    }

    public void ScanNow()
    {
        try
        {
            foreach (var folder in Directory.EnumerateDirectories(_processTemp))
            {
                Consider(folder);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private void Consider(string folder)
    {
        var name = Path.GetFileName(folder);
        if (!BriocheOutputParser.IsJobFolderName(name))
        {
            return;
        }

        // Reported under the lock, so nothing is reported once Dispose has returned.
        lock (_seen)
        {
            if (_disposed || !_seen.Add(name))
            {
                return;
            }

            _onNewFolder(Path.Combine(_processTemp, name));
        }
    }

    public void Dispose()
    {
        lock (_seen)
        {
            _disposed = true;
        }

        _watcher?.Dispose();
        _timer.Dispose();
    }
}
