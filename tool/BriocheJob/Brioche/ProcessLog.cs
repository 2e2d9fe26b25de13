using System.Runtime.CompilerServices;
using System.Text;

namespace BriocheJob.Brioche;

/// <summary>What to show of a process log.</summary>
public sealed record ProcessLogOptions
{
    /// <summary>Only the last N output lines (null: all).</summary>
    public int? Tail { get; init; }

    /// <summary>Newest first (the stack trace stays on top).</summary>
    public bool Reverse { get; init; }

    /// <summary>Only this stream's lines (null: both, merged in file order).</summary>
    public OutputStream? Stream { get; init; }
}

/// <summary>
/// A process log as <c>brioche jobs logs</c> shows it: stack trace, spawn, output lines, exit, and an
/// "ended abruptly" marker for cut files. <see cref="Read(string, ProcessLogOptions?)"/> reads a tail from the end
/// of the file (decompressing only the last frames); <see cref="FollowAsync"/> follows a running job.
/// </summary>
public sealed class ProcessLog
{
    public ProcessDescription? Description { get; private init; }

    public SpawnedEvent? Spawned { get; private init; }

    public ExitEvent? Exit { get; private init; }

    /// <summary>The file stops mid-event or mid-frame (a killed or still running writer).</summary>
    public bool EndedAbruptly { get; private init; }

    /// <summary>The output lines selected by the options, oldest first (<see cref="Lines"/> applies Reverse).</summary>
    public IReadOnlyList<LogLine> OutputLines { get; private init; } = [];

    /// <summary>zstd frames decompressed to build this log (a tail should touch only the first and last few).</summary>
    public int FramesDecompressed { get; private init; }

    public bool Reversed { get; private init; }

    /// <summary>For a tail read: the bytes the backward walk decompressed (the head's first frame not counted).</summary>
    internal long TailBytesDecompressed { get; private init; }

    /// <summary>For a tail read: where a forward reader can start to see every line of the tail again (its earliest event).</summary>
    internal EventsResumePoint? TailResume { get; private init; }

    /// <summary>Every line to print: stack trace, spawn, output, exit, abrupt end (the last four reversed if asked).</summary>
    public IReadOnlyList<LogLine> Lines
    {
        get
        {
            var body = new List<LogLine>();
            if (SpawnedLine(Spawned) is { } spawned)
            {
                body.Add(spawned);
            }
            body.AddRange(OutputLines);
            if (Exit is not null && ExitLine(Exit, Spawned, Description) is { } exitLine)
            {
                body.Add(exitLine);
            }
            if (EndedAbruptly || Exit is null)
            {
                body.Add(AbruptLine);
            }
            if (Reversed)
            {
                body.Reverse();
            }
            return [.. StackLines(Description), .. body];
        }
    }

    /// <summary>The lines as text, one per line, as Brioche prints them.</summary>
    public string RenderText()
    {
        var builder = new StringBuilder();
        foreach (var line in Lines)
        {
            builder.Append(line.Render()).Append('\n');
        }
        return builder.ToString();
    }

    /// <summary>Reads a log file. With <see cref="ProcessLogOptions.Tail"/> it reads backwards from the end.</summary>
    public static ProcessLog Read(string path, ProcessLogOptions? options = null)
    {
        options ??= new ProcessLogOptions();
        if (options.Tail is not null)
        {
            return ReadTail(path, options);
        }
        using var reader = ProcessEventsReader.Open(path);
        return ReadForward(reader, options);
    }

    /// <summary>Reads a log from a stream (e.g. stdin), forward; a tail keeps only the last lines in memory.</summary>
    public static ProcessLog Read(Stream stream, ProcessLogOptions? options = null)
    {
        using var reader = new ProcessEventsReader(stream, leaveOpen: true);
        return ReadForward(reader, options ?? new ProcessLogOptions());
    }

    private static ProcessLog ReadForward(ProcessEventsReader reader, ProcessLogOptions options)
    {
        var assembler = new OutputLineAssembler(options.Stream);
        var completed = new List<OutputLineAssembler.KeyedLine>();
        var kept = new List<OutputLineAssembler.KeyedLine>();
        var tail = options.Tail;
        ProcessDescription? description = null;
        SpawnedEvent? spawned = null;
        ExitEvent? exit = null;
        long index = 0;
        foreach (var processEvent in reader.ReadAll())
        {
            switch (processEvent)
            {
                case DescriptionEvent d:
                    description ??= d.Description;
                    break;
                case SpawnedEvent s:
                    spawned ??= s;
                    break;
                case OutputEvent output:
                    completed.Clear();
                    assembler.Add(output, index, completed);
                    kept.AddRange(completed);
                    if (tail is { } limit && kept.Count > 2 * limit + 1024)
                    {
                        kept.RemoveRange(0, kept.Count - limit);
                    }
                    break;
                case ExitEvent e:
                    exit = e;
                    break;
            }
            index++;
        }
        kept.AddRange(assembler.Flush());
        kept.Sort((a, b) => a.Key.CompareTo(b.Key));
        if (tail is { } n && kept.Count > n)
        {
            kept.RemoveRange(0, kept.Count - n);
        }
        return new ProcessLog
        {
            Description = description,
            Spawned = spawned,
            Exit = exit,
            EndedAbruptly = reader.EndedAbruptly,
            OutputLines = kept.Select(line => OutputLine(line, spawned)).ToList(),
            FramesDecompressed = reader.FramesDecompressed,
            Reversed = options.Reverse,
        };
    }

    /// <summary>How far a tail read walks past its N lines to find where an open line starts.</summary>
    internal const int TailLookbehindBytes = 2 * 1024 * 1024;

    private static ProcessLog ReadTail(string path, ProcessLogOptions options)
    {
        var wanted = options.Tail!.Value;
        ProcessDescription? description = null;
        SpawnedEvent? spawned = null;
        var headFrames = 0;
        // The head (Description, Spawned) comes from the start; for Brioche's files that is frame 0 and the start of frame 1.
        using (var head = ProcessEventsReader.Open(path))
        {
            foreach (var processEvent in head.ReadAll())
            {
                if (processEvent is DescriptionEvent d)
                {
                    description = d.Description;
                    continue;
                }
                spawned = processEvent as SpawnedEvent;
                break;
            }
            headFrames = head.FramesDecompressed;
        }

        using var backward = ProcessEventsBackwardReader.Open(path);
        var slots = new List<TailSlot>();
        var pending = new TailSlot?[2];
        var seen = new bool[2];
        ExitEvent? exit = null;
        long walkedPastTail = 0;
        // Decided from each event's trailer, before its body is loaded.
        BackwardStep Decide(byte kind, uint length)
        {
            if (slots.Count < wanted)
            {
                return BackwardStep.Read;
            }
            var isOutput = kind is (byte)ProcessEventKind.Stdout or (byte)ProcessEventKind.Stderr;
            // An open line waits for an earlier chunk of its stream, which may be far back or absent.
            // Past this bound its start is taken as found, so a tail never decompresses the whole file.
            walkedPastTail += isOutput ? (long)length - 4 : 16;
            if (walkedPastTail > TailLookbehindBytes)
            {
                return BackwardStep.Stop;
            }
            var stream = kind == (byte)ProcessEventKind.Stdout ? 0 : 1;
            // Nothing of this chunk can reach the tail: pass over it. With a seek table only the frame holding its
            // header is decompressed (up to the header); the frames inside it are not.
            return isOutput && pending[stream] is null ? BackwardStep.SkipBody : BackwardStep.Read;
        }
        foreach (var (kind, start) in backward.ReadBackwardRaw(Decide))
        {
            var processEvent = ProcessEventsCodec.DecodeBody(kind, backward.RawBody, start);
            switch (processEvent)
            {
                case ExitEvent e:
                    exit ??= e;
                    break;
                case SpawnedEvent s:
                    spawned ??= s;
                    break;
                case DescriptionEvent d:
                    description ??= d.Description;
                    break;
                case OutputEvent output when options.Stream is null || options.Stream == output.Stream:
                    AddBackward(output, slots, pending, seen, wanted);
                    break;
            }
            if (slots.Count >= wanted && pending[0] is null && pending[1] is null)
            {
                break;
            }
        }
        slots.Reverse();
        EventsResumePoint? resume = null;
        if (backward.FramesDecompressed > 0 || !backward.IsCompressed)
        {
            try
            {
                resume = backward.ResumePointOf(backward.LastEventStart);
            }
            catch (InvalidOperationException)
            {
                resume = null;
            }
        }
        return new ProcessLog
        {
            TailResume = resume,
            Description = description,
            Spawned = spawned,
            Exit = exit,
            EndedAbruptly = backward.EndedAbruptly,
            OutputLines = slots.Select(slot => OutputLine(
                new OutputLineAssembler.KeyedLine(0, slot.Stream, slot.ElapsedMilliseconds, slot.Text()), spawned)).ToList(),
            FramesDecompressed = headFrames + backward.FramesDecompressed,
            TailBytesDecompressed = backward.BytesDecompressed,
            Reversed = options.Reverse,
        };
    }

    /// <summary>Splits one chunk into lines from its end; slots are created newest first and completed as starts are found.</summary>
    private static void AddBackward(OutputEvent output, List<TailSlot> slots, TailSlot?[] pending, bool[] seen, int wanted)
    {
        var stream = (int)output.Stream;
        var data = output.Data;
        var span = data.Span;
        if (!seen[stream])
        {
            seen[stream] = true;
            if (span[^1] != (byte)'\n' && slots.Count < wanted)
            {
                pending[stream] = NewSlot(slots, output);
            }
        }
        var end = span.Length;
        while (true)
        {
            var newline = span[..end].LastIndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }
            if (pending[stream] is { } open)
            {
                open.Prepend(data[(newline + 1)..end]);
                pending[stream] = null;
            }
            pending[stream] = slots.Count < wanted ? NewSlot(slots, output) : null;
            end = newline;
            if (pending[stream] is null && slots.Count >= wanted)
            {
                return;
            }
        }
        pending[stream]?.Prepend(data[..end]);
    }

    private static TailSlot NewSlot(List<TailSlot> slots, OutputEvent output)
    {
        var slot = new TailSlot(output.Stream, output.ElapsedMilliseconds);
        slots.Add(slot);
        return slot;
    }

    private sealed class TailSlot(OutputStream stream, uint elapsedMilliseconds)
    {
        private readonly List<ReadOnlyMemory<byte>> _piecesNewestFirst = [];

        public OutputStream Stream => stream;
        public uint ElapsedMilliseconds => elapsedMilliseconds;

        public void Prepend(ReadOnlyMemory<byte> piece) => _piecesNewestFirst.Add(piece);

        public string Text()
        {
            var bytes = new List<byte>();
            for (var i = _piecesNewestFirst.Count - 1; i >= 0; i--)
            {
                bytes.AddRange(_piecesNewestFirst[i].ToArray());
            }
            return OutputLineAssembler.Decode(bytes.ToArray());
        }
    }

    /// <summary>
    /// Follows a log that is still being written: yields the stack trace, spawn, each output line as it completes,
    /// then the exit line, and stops; stops with "log ended abruptly" if the file is deleted first.
    /// Unterminated last lines are yielded when the process exits.
    /// </summary>
    public static async IAsyncEnumerable<LogLine> FollowAsync(string path, ProcessLogOptions? options = null, TimeSpan? pollInterval = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new ProcessLogOptions();
        await using var stream = new GrowingFileStream(path, pollInterval);
        await using var reader = new ProcessEventsReader(stream, leaveOpen: true);
        var assembler = new OutputLineAssembler(options.Stream);
        var completed = new List<OutputLineAssembler.KeyedLine>();
        SpawnedEvent? spawned = null;
        ProcessDescription? description = null;
        long index = 0;
        await foreach (var processEvent in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (processEvent)
            {
                case DescriptionEvent d:
                    description ??= d.Description;
                    foreach (var line in StackLines(d.Description))
                    {
                        yield return line;
                    }
                    break;
                case SpawnedEvent s:
                    spawned ??= s;
                    yield return SpawnedLine(s)!;
                    break;
                case OutputEvent output:
                    completed.Clear();
                    assembler.Add(output, index, completed);
                    foreach (var line in completed)
                    {
                        yield return OutputLine(line, spawned);
                    }
                    break;
                case ExitEvent exit:
                    foreach (var line in assembler.Flush())
                    {
                        yield return OutputLine(line, spawned);
                    }
                    if (ExitLine(exit, spawned, description) is { } exitLine)
                    {
                        yield return exitLine;
                    }
                    yield break;
            }
            index++;
        }
        foreach (var line in assembler.Flush())
        {
            yield return OutputLine(line, spawned);
        }
        yield return AbruptLine;
    }

    public static LogLine AbruptLine { get; } = new(LogLineKind.EndedAbruptly, "log ended abruptly");

    public static IEnumerable<LogLine> StackLines(ProcessDescription? description)
        => description?.Meta.Source?.Select(frame => new LogLine(LogLineKind.StackFrame, frame.ToDisplayString())) ?? [];

    internal static LogLine? SpawnedLine(SpawnedEvent? spawned) => spawned is null
        ? null
        : new LogLine(LogLineKind.Spawned,
            $"spawned process with pid {spawned.Pid}, preparation took {ElapsedFormat.Format(spawned.Elapsed)}",
            Elapsed: TimeSpan.Zero);

    /// <summary>
    /// The exit line. A job that ran no process and ended with code 0 has none for a description with no command (a
    /// Dockerfile step such as FROM or WORKDIR), and <c>[cached: no process ran in this build]</c> for a cached one (a
    /// RUN step BuildKit had cached). Their records have no exit code either, so text and JSON agree.
    /// </summary>
    internal static LogLine? ExitLine(ExitEvent exit, SpawnedEvent? spawned, ProcessDescription? description) => exit switch
    {
        ExitedEvent { ExitCode: 0 } when description is { RunsNoProcess: true } => null,
        ExitedEvent { ExitCode: 0 } when description is { Cached: true } =>
            new LogLine(LogLineKind.Exit, CachedExitText, Elapsed: SinceSpawn(exit.ElapsedMilliseconds, spawned)),
        _ => ExitLine(exit, spawned),
    };

    /// <summary>What the exit line of a cached step says instead of an exit code.</summary>
    internal const string CachedExitText = "cached: no process ran in this build";

    internal static LogLine ExitLine(ExitEvent exit, SpawnedEvent? spawned) => new(LogLineKind.Exit, exit switch
    {
        ExitedEvent e => $"process exited with code {e.ExitCode}",
        ExitedWithSignalEvent s => $"process exited with signal {s.Signal}",
        ExitedWithMessageEvent m => $"process exited: {m.Message}",
        _ => "process exited",
    }, Elapsed: SinceSpawn(exit.ElapsedMilliseconds, spawned));

    private static LogLine OutputLine(OutputLineAssembler.KeyedLine line, SpawnedEvent? spawned)
        => new(LogLineKind.Output, line.Text, line.Stream, SinceSpawn(line.ElapsedMilliseconds, spawned));

    private static TimeSpan SinceSpawn(uint elapsedMilliseconds, SpawnedEvent? spawned)
        => TimeSpan.FromMilliseconds(Math.Max(0L, (long)elapsedMilliseconds - (spawned?.ElapsedMilliseconds ?? 0)));
}
