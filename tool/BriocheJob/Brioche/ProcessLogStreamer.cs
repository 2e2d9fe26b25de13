using System.Buffers.Binary;
using System.Text;

namespace BriocheJob.Brioche;

/// <summary>
/// Prints a process log as it reads it, in memory that does not grow with the log: the same lines, in the same
/// order, as <see cref="ProcessLog"/> renders, but streamed to a <see cref="LogFormatter"/>. Memory is bounded by
/// one event (at most 1 MiB), one open line per stream (<see cref="MaxLineBytes"/>), the lines held behind the
/// other stream's open line (<see cref="HoldLimitBytes"/>) and the output buffer. Longer lines print in pieces.
/// </summary>
public static class ProcessLogStreamer
{
    /// <summary>A line longer than this prints in pieces of this size; each piece but the last is marked continued.</summary>
    public const int MaxLineBytes = 1024 * 1024;

    /// <summary>How much output may wait behind the other stream's unfinished line before that line is cut.</summary>
    public const int HoldLimitBytes = 4 * 1024 * 1024;

    /// <summary>Prints the whole log of an events file, oldest first.</summary>
    public static void WriteForward(string path, ProcessLogOptions options, LogFormatter formatter)
    {
        using var reader = new ProcessEventsReader(ProcessEventsReader.OpenShared(path)) { ReadAhead = true };
        WriteForward(reader, options, formatter);
    }

    /// <summary>Prints the whole log read from a stream (a file or stdin), oldest first.</summary>
    public static void WriteForward(Stream stream, ProcessLogOptions options, LogFormatter formatter)
    {
        using var reader = new ProcessEventsReader(stream, leaveOpen: true);
        WriteForward(reader, options, formatter);
    }

    internal static void WriteForward(ProcessEventsReader reader, ProcessLogOptions options, LogFormatter formatter,
        int maxLineBytes = MaxLineBytes, int holdLimitBytes = HoldLimitBytes)
    {
        var state = new ForwardState(formatter, options, maxLineBytes, holdLimitBytes);
        while (reader.TryReadRaw(out var kind, out var body))
        {
            state.Add(kind, body, reader.RawOffset);
        }
        state.Finish(reader.EndedAbruptly);
        formatter.Flush();
    }

    /// <summary>Counts the output lines (pieces of long lines included) the forward renderer would print.</summary>
    public static long CountOutputLines(string path, ProcessLogOptions options) => CountOutputLines(path, options, resume: null);

    internal static long CountOutputLines(string path, ProcessLogOptions options, EventsResumePoint? resume)
    {
        using var reader = OpenReader(path, resume);
        var counter = new LineCounter();
        var splitter = new ForwardLineSplitter(counter);
        while (reader.TryReadRaw(out var kind, out var body))
        {
            if (kind is ProcessEventKind.Stdout or ProcessEventKind.Stderr)
            {
                var stream = kind == ProcessEventKind.Stdout ? OutputStream.Stdout : OutputStream.Stderr;
                if (options.Stream is null || options.Stream == stream)
                {
                    splitter.Add(stream, 0, body[4..], reader.RawOffset);
                }
            }
        }
        splitter.Finish();
        return counter.Count;
    }

    private static ProcessEventsReader OpenReader(string path, EventsResumePoint? resume)
    {
        if (resume is not { } at)
        {
            return ProcessEventsReader.Open(path);
        }
        var file = ProcessEventsReader.OpenShared(path);
        file.Position = at.FileOffset;
        return ProcessEventsReader.OpenAt(file, at);
    }

    /// <summary>
    /// <c>--follow --tail N</c>: finds the last N output lines from the end of the file (seek table, last frames only),
    /// prints them, then follows the file from there. Only the frames from the tail's start on are decompressed.
    /// </summary>
    public static async Task FollowTailAsync(string path, ProcessLogOptions options, int lines, LogFormatter formatter,
        TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        var tail = ProcessLog.Read(path, options with { Tail = lines, Reverse = false });
        if (tail.TailResume is not { } resume)
        {
            var skip = Math.Max(0, CountOutputLines(path, options) - lines);
            await FollowAsync(path, options, formatter, pollInterval, skip, cancellationToken).ConfigureAwait(false);
            return;
        }
        var existing = CountOutputLines(path, options, resume);
        await FollowCoreAsync(path, options, formatter, pollInterval, Math.Max(0, existing - lines), resume, tail.Description, tail.Spawned,
            cancellationToken).ConfigureAwait(false);
    }

    private sealed class LineCounter : IOutputLineSink
    {
        public long Count { get; private set; }

        public void Line(OutputStream stream, uint elapsedMilliseconds, ReadOnlySpan<byte> text, bool continued) => Count++;

        public bool Lines(OutputStream stream, uint elapsedMilliseconds, ReadOnlySpan<byte> lines)
        {
            Count += lines.Count((byte)'\n');
            return true;
        }
    }

    /// <summary>
    /// Follows a log that is still being written (see <see cref="ProcessLog.FollowAsync"/>): prints each line as it
    /// completes and flushes the output whenever it waits for more, until the exit event or the file is deleted.
    /// The first <paramref name="skipOutputLines"/> output lines are not printed.
    /// </summary>
    public static async Task FollowAsync(string path, ProcessLogOptions options, LogFormatter formatter, TimeSpan? pollInterval = null,
        long skipOutputLines = 0, CancellationToken cancellationToken = default)
    {
        await FollowCoreAsync(path, options, formatter, pollInterval, skipOutputLines, null, null, null, cancellationToken).ConfigureAwait(false);
    }

    private static async Task FollowCoreAsync(string path, ProcessLogOptions options, LogFormatter formatter, TimeSpan? pollInterval,
        long skipOutputLines, EventsResumePoint? resume, ProcessDescription? description, SpawnedEvent? spawned, CancellationToken cancellationToken)
    {
        await using var stream = new GrowingFileStream(path, pollInterval, resume?.FileOffset ?? 0) { Waiting = formatter.Flush };
        await using var reader = resume is { } at ? ProcessEventsReader.OpenAt(stream, at, leaveOpen: true) : new ProcessEventsReader(stream, leaveOpen: true);
        var state = new ForwardState(formatter, options, MaxLineBytes, HoldLimitBytes) { SkipOutputLines = skipOutputLines };
        if (resume is not null)
        {
            // The head is not read again: print it from the tail read.
            if (description is not null)
            {
                state.Add(new DescriptionEvent(description, ReadOnlyMemory<byte>.Empty), -1);
            }
            if (spawned is not null)
            {
                state.Add(spawned, -1);
            }
        }
        long offset = 0;
        while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } processEvent)
        {
            if (state.Add(processEvent, offset++))
            {
                break;
            }
        }
        state.Finish(endedAbruptly: !state.Exited);
        formatter.Flush();
    }

    /// <summary>
    /// Prints the log newest first, with the stack trace on top, reading the file backwards frame by frame through
    /// the seek table (or the trailing markers without one), as <c>--tail</c> does.
    /// </summary>
    public static void WriteReverse(string path, ProcessLogOptions options, LogFormatter formatter,
        int maxLineBytes = MaxLineBytes, int holdLimitBytes = HoldLimitBytes)
    {
        ProcessDescription? description = null;
        SpawnedEvent? spawned = null;
        using (var head = ProcessEventsReader.Open(path))
        {
            while (head.ReadNext() is { } processEvent)
            {
                if (processEvent is DescriptionEvent d)
                {
                    description ??= d.Description;
                    continue;
                }
                spawned = processEvent as SpawnedEvent;
                break;
            }
        }
        foreach (var line in ProcessLog.StackLines(description))
        {
            formatter.Write(line);
        }

        var sink = new ReverseSink(formatter, spawned);
        var splitter = new BackwardLineSplitter(sink, maxLineBytes, holdLimitBytes);
        using var backward = ProcessEventsBackwardReader.Open(path);
        var first = true;
        foreach (var (kind, start) in backward.ReadBackwardRaw())
        {
            var body = backward.RawBody;
            if (first)
            {
                first = false;
                var isExit = kind is (byte)ProcessEventKind.Exited or (byte)ProcessEventKind.ExitedWithSignal or (byte)ProcessEventKind.ExitedWithMessage;
                if (backward.EndedAbruptly || !isExit)
                {
                    formatter.Write(ProcessLog.AbruptLine);
                }
                if (isExit && ProcessLog.ExitLine((ExitEvent)ProcessEventsCodec.DecodeBody(kind, body, start), spawned, description) is { } exitLine)
                {
                    formatter.Write(exitLine);
                }
            }
            if (kind is (byte)ProcessEventKind.Stdout or (byte)ProcessEventKind.Stderr)
            {
                var stream = kind == (byte)ProcessEventKind.Stdout ? OutputStream.Stdout : OutputStream.Stderr;
                if (options.Stream is null || options.Stream == stream)
                {
                    splitter.Add(stream, BinaryPrimitives.ReadUInt32BigEndian(body), body[4..], start);
                }
            }
        }
        if (first)
        {
            formatter.Write(ProcessLog.AbruptLine);
        }
        splitter.Finish();
        if (ProcessLog.SpawnedLine(spawned) is { } spawnedLine)
        {
            formatter.Write(spawnedLine);
        }
        formatter.Flush();
    }

    private sealed class ReverseSink(LogFormatter formatter, SpawnedEvent? spawned) : IOutputLineSink
    {
        public void Line(OutputStream stream, uint elapsedMilliseconds, ReadOnlySpan<byte> text, bool continued)
            => formatter.WriteOutput(stream, Math.Max(0L, (long)elapsedMilliseconds - (spawned?.ElapsedMilliseconds ?? 0)), text, continued);
    }

    /// <summary>Events in, lines out: the forward renderer's state.</summary>
    private sealed class ForwardState : IOutputLineSink
    {
        private readonly LogFormatter _formatter;
        private readonly OutputStream? _filter;
        private readonly ForwardLineSplitter _splitter;
        private bool _described;
        private ProcessDescription? _description;
        private SpawnedEvent? _spawned;
        private ExitEvent? _exit;

        public ForwardState(LogFormatter formatter, ProcessLogOptions options, int maxLineBytes, int holdLimitBytes)
        {
            _formatter = formatter;
            _filter = options.Stream;
            _splitter = new ForwardLineSplitter(this, maxLineBytes, holdLimitBytes);
        }

        public long SkipOutputLines { get; init; }

        public bool Exited => _exit is not null;

        private long _outputLines;

        public void Add(ProcessEventKind kind, ReadOnlySpan<byte> body, long offset)
        {
            switch (kind)
            {
                case ProcessEventKind.Stdout or ProcessEventKind.Stderr:
                    var stream = kind == ProcessEventKind.Stdout ? OutputStream.Stdout : OutputStream.Stderr;
                    if (_filter is null || _filter == stream)
                    {
                        _splitter.Add(stream, BinaryPrimitives.ReadUInt32BigEndian(body), body[4..], offset);
                    }
                    break;
                default:
                    Add(ProcessEventsCodec.DecodeBody((byte)kind, body, offset), offset);
                    break;
            }
        }

        /// <summary>Takes one decoded event; true once it was the exit event (following stops there).</summary>
        public bool Add(ProcessEvent processEvent, long index)
        {
            switch (processEvent)
            {
                case DescriptionEvent d when !_described:
                    _described = true;
                    _description = d.Description;
                    foreach (var line in ProcessLog.StackLines(d.Description))
                    {
                        _formatter.Write(line);
                    }
                    break;
                case SpawnedEvent s when _spawned is null:
                    _spawned = s;
                    _formatter.Write(ProcessLog.SpawnedLine(s)!);
                    break;
                case OutputEvent output when _filter is null || _filter == output.Stream:
                    _splitter.Add(output.Stream, output.ElapsedMilliseconds, output.Data.Span, index);
                    break;
                case ExitEvent e:
                    _exit = e;
                    return true;
            }
            return false;
        }

        public void Finish(bool endedAbruptly)
        {
            _splitter.Finish();
            if (_exit is not null && ProcessLog.ExitLine(_exit, _spawned, _description) is { } exitLine)
            {
                _formatter.Write(exitLine);
            }
            if (endedAbruptly || _exit is null)
            {
                _formatter.Write(ProcessLog.AbruptLine);
            }
        }

        public void Line(OutputStream stream, uint elapsedMilliseconds, ReadOnlySpan<byte> text, bool continued)
        {
            if (_outputLines++ < SkipOutputLines)
            {
                return;
            }
            var sinceSpawn = Math.Max(0L, (long)elapsedMilliseconds - (_spawned?.ElapsedMilliseconds ?? 0));
            _formatter.WriteOutput(stream, sinceSpawn, text, continued);
        }

        public bool Lines(OutputStream stream, uint elapsedMilliseconds, ReadOnlySpan<byte> lines)
        {
            if (_outputLines < SkipOutputLines)
            {
                return false;
            }
            var sinceSpawn = Math.Max(0L, (long)elapsedMilliseconds - (_spawned?.ElapsedMilliseconds ?? 0));
            return _formatter.TryWriteOutputLines(stream, sinceSpawn, lines);
        }
    }
}
