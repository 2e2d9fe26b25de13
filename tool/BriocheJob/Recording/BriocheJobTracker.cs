using System.Text.Json;
using BriocheJob.Brioche;
using BriocheJob.Store;

namespace BriocheJob.Recording;

/// <summary>
/// Follows one Brioche process-temp folder while brioche runs. It opens <c>events.bin.zst</c> as soon as it appears
/// and keeps the handle (shared read/write/delete), so the whole log can still be read after Brioche deletes the
/// folder of a successful job. Every byte read is copied to <c>&lt;home&gt;/jobs/&lt;id&gt;/events.bin.zst</c>; the
/// events are decoded on the way to report the description (job started), the pid and the exit.
/// </summary>
internal sealed class BriocheJobTracker
{
    private readonly DataHome? _home;
    private readonly TimeSpan _pollInterval;
    private volatile bool _stopped;
    private GrowingFileStream? _source;

    public BriocheJobTracker(string jobId, string folder, DataHome? home, TimeSpan pollInterval)
    {
        JobId = jobId;
        Folder = folder;
        _home = home;
        _pollInterval = pollInterval;
        DiscoveredAt = DateTimeOffset.UtcNow;
    }

    public string JobId { get; }

    public string Folder { get; }

    public string BriocheEventsPath => Path.Combine(Folder, "events.bin.zst");

    public DateTimeOffset DiscoveredAt { get; }

    public ProcessDescription? Description { get; private set; }

    public int? Pid { get; private set; }

    public ExitEvent? Exit { get; private set; }

    /// <summary>Our copy of the events; null until it is created (or when it could not be).</summary>
    public string? CopyPath { get; private set; }

    /// <summary>True once the events file was opened: the copy holds everything Brioche wrote.</summary>
    public bool LogCaptured { get; private set; }

    /// <summary>Why the log could not be read or copied, if it could not.</summary>
    public string? Problem { get; private set; }

    public Action<BriocheJobTracker>? Described { get; init; }

    public Action<BriocheJobTracker>? Spawned { get; init; }

    public Action<string>? Warn { get; init; }

    /// <summary>Brioche has exited: read what is left and end.</summary>
    public void Stop()
    {
        _stopped = true;
        _source?.Stop();
    }

    /// <summary>
    /// Follows the job on a thread of its own: reading a file that is still being written blocks (polling) until
    /// more arrives, which must not hold thread-pool threads that other jobs need to be noticed in time.
    /// </summary>
    public Task Start()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run();
            }
            finally
            {
                done.SetResult();
            }
        })
        {
            IsBackground = true,
            Name = "brioche job " + JobId,
        };
        thread.Start();
        return done.Task;
    }

    private void Run()
    {
        try
        {
            _source = OpenWhenPresent();
            if (_source is null)
            {
                return;
            }

            if (_stopped)
            {
                _source.Stop();
            }

            LogCaptured = true;
            using var source = _source;
            using var copy = CreateCopy();
            using var tee = new TeeReadStream(source, copy);
            ReadEvents(tee);
            // Whatever the decoder did not need (a seek table, bytes after a corrupt event) still belongs in the copy.
            var rest = new byte[64 * 1024];
            while (tee.Read(rest) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BriocheJobException)
        {
            Problem = $"cannot record the log of job {JobId}: {e.Message}";
            Warn?.Invoke(Problem);
        }
    }

    private GrowingFileStream? OpenWhenPresent()
    {
        // Brioche creates the folder, then the file; poll briefly for the file. A folder that disappears first was a
        // job that succeeded faster than we could open its log.
        while (true)
        {
            try
            {
                return new GrowingFileStream(BriocheEventsPath, _pollInterval);
            }
            catch (BriocheJobException e) when (e.Code == EventsDiagnostics.EventsFileNotFound)
            {
            }

            if (!Directory.Exists(Folder))
            {
                Problem = "Brioche removed the job folder before its log could be opened";
                return null;
            }

            if (_stopped)
            {
                Problem = "the job folder has no events.bin.zst";
                return null;
            }

            Thread.Sleep(5);
        }
    }

    private Stream CreateCopy()
    {
        if (_home is null)
        {
            return Stream.Null;
        }

        try
        {
            var path = Path.Combine(_home.EnsureJobDirectory(JobId), "events.bin.zst");
            var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
            DataHome.MakePrivateFile(path);
            CopyPath = path;
            return stream;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BriocheJobException)
        {
            Warn?.Invoke($"cannot keep a copy of the log of job {JobId}: {e.Message}");
            return Stream.Null;
        }
    }

    private void ReadEvents(Stream events)
    {
        using var reader = new ProcessEventsReader(events, leaveOpen: true);
        try
        {
            while (reader.ReadNext() is { } next)
            {
                switch (next)
                {
                    case DescriptionEvent description:
                        Description = description.Description;
                        Described?.Invoke(this);
                        break;
                    case SpawnedEvent spawned:
                        Pid = (int)spawned.Pid;
                        Spawned?.Invoke(this);
                        break;
                    case ExitEvent exit:
                        Exit = exit;
                        break;
                }
            }

            if (reader.EndedAbruptly && Exit is null)
            {
                Problem = "the log ended abruptly";
            }
        }
        catch (BriocheJobException e)
        {
            Problem = $"the log cannot be read: {e.Message}";
            Warn?.Invoke($"{e.Code}: job {JobId}: {Problem}");
        }
    }

    /// <summary>The recipe's source stack as the job's meta JSON (<c>{"source":[…]}</c>).</summary>
    public string? MetaJson() =>
        Description is null ? null : JsonSerializer.Serialize(Description.Meta, ProcessDescription.JsonOptions);

    /// <summary>A one-line display name: the decoded command line (as <c>import brioche</c> names jobs).</summary>
    public string? DisplayName()
    {
        if (Description is null)
        {
            return null;
        }

        var name = string.Join(' ', new[] { Description.CommandDisplay }.Concat(Description.ArgsDisplay));
        name = string.Join(' ', name.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return name.Length <= 120 ? name : name[..119] + "…";
    }

    /// <summary>Reads from <paramref name="source"/> and writes each read to <paramref name="copy"/> (flushed).</summary>
    private sealed class TeeReadStream(Stream source, Stream copy) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = source.Read(buffer);
            if (read > 0)
            {
                copy.Write(buffer[..read]);
                copy.Flush();
            }

            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
