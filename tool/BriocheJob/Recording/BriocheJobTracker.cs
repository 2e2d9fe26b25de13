using System.Text.Json;
using BriocheJob.Brioche;
using BriocheJob.Diagnostics;
using BriocheJob.Store;

namespace BriocheJob.Recording;

/// <summary>
/// Follows one Brioche process-temp folder while brioche runs. It opens <c>events.bin.zst</c> as soon as it appears
/// and keeps the handle (shared read/write/delete), so the whole log can still be read after Brioche deletes the
/// folder of a successful job. Every byte read is copied to <c>&lt;home&gt;/jobs/&lt;id&gt;/events.bin.zst</c>; the
/// events are decoded on the way to report the description (job started), the pid and the exit.
/// <para>
/// Other brioche runs may share the process-temp folder, so a job is first checked to be ours (see
/// <see cref="BriocheLaunch"/>): until then the bytes read stay in memory and nothing shared is written. A foreign
/// job is dropped without a copy and without callbacks.
/// </para>
/// </summary>
internal sealed class BriocheJobTracker
{
    private readonly DataHome? _home;
    private readonly TimeSpan _pollInterval;
    private readonly BriocheLaunch _launch;
    private volatile bool _stopped;
    private GrowingFileStream? _source;

    public BriocheJobTracker(string jobId, string folder, DataHome? home, TimeSpan pollInterval, BriocheLaunch launch)
    {
        JobId = jobId;
        Folder = folder;
        _home = home;
        _pollInterval = pollInterval;
        _launch = launch;
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

    /// <summary>True when the job was found to belong to another brioche run: it must not be recorded.</summary>
    public bool IsForeign { get; private set; }

    /// <summary>True once the job is known to be ours (or cannot be told apart): its copy and callbacks follow.</summary>
    public bool IsOurs { get; private set; }

    public Action<BriocheJobTracker>? Described { get; init; }

    public Action<BriocheJobTracker>? Spawned { get; init; }

    /// <summary>Called as soon as the exit event is read (brioche may run for long after), once the job is ours.</summary>
    public Action<BriocheJobTracker>? Exited { get; init; }

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
                // Never opened (a job too quick to catch): whose it was cannot be known, so it stays ours, as before.
                IsOurs = true;
                return;
            }

            if (_stopped)
            {
                _source.Stop();
            }

            LogCaptured = true;
            using var source = _source;
            using var tee = new TeeReadStream(source);
            try
            {
                ReadEvents(tee);
                if (IsForeign)
                {
                    return;
                }

                // Whatever the decoder did not need (a seek table, bytes after a corrupt event) still belongs in the copy.
                var rest = new byte[64 * 1024];
                while (tee.Read(rest) > 0)
                {
                }
            }
            finally
            {
                tee.Copy?.Dispose();
            }
        }
        catch (Exception e) when (RecordingPolicy.IsRecordingFailure(e))
        {
            Problem = Catalog.BriocheBuild.LogNotRecorded.Message(JobId, e.Message);
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
            catch (BriocheJobException e) when (e.Code == Catalog.Events.EventsFileNotFound)
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
            // CreateNew: a copy that exists belongs to another recorder that took this job; truncating it would
            // corrupt that record.
            var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
            DataHome.MakePrivateFile(path);
            CopyPath = path;
            return stream;
        }
        catch (IOException e) when (File.Exists(Path.Combine(_home.JobDirectory(JobId), "events.bin.zst")))
        {
            Warn?.Invoke(Catalog.BriocheBuild.JobRecordedElsewhere.Message(JobId, e.Message));
            return Stream.Null;
        }
        catch (Exception e) when (RecordingPolicy.IsRecordingFailure(e))
        {
            Warn?.Invoke(Catalog.BriocheBuild.LogNotCopied.Message(JobId, e.Message));
            return Stream.Null;
        }
    }

    private void ReadEvents(TeeReadStream events)
    {
        using var reader = new ProcessEventsReader(events, leaveOpen: true);
        try
        {
            while (reader.TryReadRaw(out var kind, out var body))
            {
                if (kind is ProcessEventKind.Stdout or ProcessEventKind.Stderr && body.Length >= 4)
                {
                    // Output is only copied, never looked at: no decoding, no copy of the chunk (1 GB of output
                    // would otherwise allocate 1 GB of garbage).
                    BecomeOurs(events);
                    continue;
                }

                var next = ProcessEventsCodec.DecodeBody((byte)kind, body, reader.RawOffset);
                switch (next)
                {
                    case DescriptionEvent description:
                        Description = description.Description;
                        if (!_launch.HasBegun)
                        {
                            // Written before our brioche was even started: another run's job.
                            IsForeign = true;
                            return;
                        }

                        continue;
                    case SpawnedEvent spawned:
                        Pid = (int)spawned.Pid;
                        if (!IsOurs && _launch.Owns(Pid.Value) is false)
                        {
                            IsForeign = true;
                            return;
                        }

                        break;
                    case ExitEvent exit:
                        Exit = exit;
                        break;
                }

                BecomeOurs(events);
                if (next is ExitEvent)
                {
                    // The job's result is known now: record it now, not when brioche exits.
                    Exited?.Invoke(this);
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
            Warn?.Invoke(Catalog.BriocheBuild.LogUnreadable.Message(JobId, e.Code, e.Message));
        }
        finally
        {
            // A log that ended (or broke) before telling us whose it is stays ours, as before.
            if (!IsForeign)
            {
                BecomeOurs(events);
            }
        }
    }

    /// <summary>
    /// Once the job is ours: creates the copy, writes what was buffered to it and keeps teeing, then reports the job.
    /// </summary>
    private void BecomeOurs(TeeReadStream events)
    {
        if (IsOurs)
        {
            return;
        }

        IsOurs = true;
        events.StartCopying(CreateCopy());
        if (Description is not null)
        {
            Described?.Invoke(this);
        }

        if (Pid is not null)
        {
            Spawned?.Invoke(this);
        }
    }

    /// <summary>The recipe's source stack as the job's meta JSON (<c>{"source":[…]}</c>).</summary>
    public string? MetaJson() =>
        Description is null ? null : JsonSerializer.Serialize(Description.Meta, ProcessDescription.JsonOptions);

    /// <summary>The job's name: its shell-quoted command line, exactly as <c>import brioche</c> and <c>show &lt;events file&gt;</c> name it.</summary>
    public string? DisplayName() =>
        Description is null ? null : ShellQuoting.JobName(Description.CommandDisplay, Description.ArgsDisplay);

    /// <summary>
    /// Reads from <paramref name="source"/> and keeps each read: in memory until <see cref="StartCopying"/>, then in
    /// the copy (flushed).
    /// </summary>
    private sealed class TeeReadStream(Stream source) : Stream
    {
        private MemoryStream? _pending = new();

        public Stream? Copy { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void StartCopying(Stream copy)
        {
            Copy = copy;
            try
            {
                _pending!.WriteTo(copy);
                copy.Flush();
            }
            finally
            {
                _pending = null;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = source.Read(buffer);
            if (read > 0)
            {
                if (Copy is { } copy)
                {
                    copy.Write(buffer[..read]);
                    copy.Flush();
                }
                else
                {
                    _pending!.Write(buffer[..read]);
                }
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
