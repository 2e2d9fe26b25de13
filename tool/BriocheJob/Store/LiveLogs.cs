namespace BriocheJob.Store;

/// <summary>
/// Sends a running job's events file to the server as it grows: each completed frame once, and the bytes flushed so far
/// of the frame still being written (the writer flushes every event, so a reader can decode them before the frame ends;
/// frames themselves end every 1 MiB, as Brioche's format fixes). Only what is new since the last call is read.
/// </summary>
public sealed class LiveLogUpload(IJobLogStore store, string jobId, string eventsPath)
{
    private long _completedBytes;
    private int _frames;
    private int _openSent;

    public string JobId { get; } = jobId;

    /// <summary>Sends what is new; returns true when anything was sent. A file not there yet sends nothing.</summary>
    public bool Send()
    {
        byte[] rest;
        try
        {
            using var file = new FileStream(eventsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (file.Length <= _completedBytes)
            {
                return false;
            }

            file.Position = _completedBytes;
            rest = new byte[file.Length - _completedBytes];
            file.ReadExactly(rest);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }

        List<byte[]> fresh = LogFrames.Split(rest);
        long freshBytes = fresh.Sum(f => (long)f.Length);
        byte[] open = rest.AsSpan((int)freshBytes).ToArray();
        if (fresh.Count == 0 && open.Length == _openSent)
        {
            return false;
        }

        store.AppendLogFrames(JobId, _frames, fresh, complete: false, openFrame: open);
        _completedBytes += freshBytes;
        _frames += fresh.Count;
        _openSent = open.Length;
        return true;
    }
}

/// <summary>
/// Keeps a local copy of a log the server holds while its job runs elsewhere: each <see cref="Poll"/> appends the
/// bytes that are new (new frames, and what grew of the open frame), so the copy is always a prefix of the recording
/// machine's events file, and once the log is complete it is that file byte for byte. A follower reads the copy as a
/// growing file.
/// </summary>
public sealed class LogMirror : IDisposable
{
    private readonly IJobLogStore _store;
    private readonly FileStream _file;
    private int _frames;
    private int _openWritten;

    public LogMirror(IJobLogStore store, string jobId, string path)
    {
        _store = store;
        JobId = jobId;
        Path = path;
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = DataHome.FileMode;
        }

        _file = new FileStream(path, options);
    }

    public string JobId { get; }

    public string Path { get; }

    /// <summary>True once the server said the log is complete and all of it is in the copy.</summary>
    public bool Complete { get; private set; }

    /// <summary>Appends what is new; returns true when the log is complete (nothing more will come).</summary>
    public bool Poll()
    {
        if (Complete)
        {
            return true;
        }

        LogSince? since = _store.ReadLogSince(JobId, _frames);
        if (since is null)
        {
            return false;
        }

        if (since.Frames.Count > 0)
        {
            // The first new frame is the one that was open: only its bytes past what was written already are new.
            byte[] first = since.Frames[0];
            if (first.Length < _openWritten)
            {
                throw new InvalidDataException($"the server's log of job {JobId} changed under a follower");
            }

            _file.Write(first.AsSpan(_openWritten));
            foreach (byte[] frame in since.Frames.Skip(1))
            {
                _file.Write(frame);
            }

            _frames += since.Frames.Count;
            _openWritten = 0;
        }

        if (since.OpenFrame.Length > _openWritten)
        {
            _file.Write(since.OpenFrame.AsSpan(_openWritten));
            _openWritten = since.OpenFrame.Length;
        }

        _file.Flush();
        Complete = since.Complete;
        return Complete;
    }

    /// <summary>
    /// Polls until the log is complete, or cancellation. Once <paramref name="stillRunning"/> says the job is over, the
    /// recorder's last upload is waited for a few more polls only (a recorder that died never completes its log).
    /// </summary>
    public async Task RunAsync(Func<bool> stillRunning, TimeSpan interval, CancellationToken cancellationToken)
    {
        int graceLeft = 20;
        while (!Poll() && graceLeft > 0)
        {
            await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            if (graceLeft < 20 || !stillRunning())
            {
                graceLeft--;
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
