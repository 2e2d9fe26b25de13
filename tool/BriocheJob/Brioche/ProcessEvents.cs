namespace BriocheJob.Brioche;

/// <summary>The event kinds of a process-events stream (the <c>kind</c> byte).</summary>
public enum ProcessEventKind : byte
{
    Description = 1,
    Spawned = 2,
    Stdout = 3,
    Stderr = 4,
    Exited = 5,
    ExitedWithSignal = 6,
    ExitedWithMessage = 7,
}

/// <summary>Which output stream a chunk or line came from.</summary>
public enum OutputStream
{
    Stdout,
    Stderr,
}

/// <summary>One event of a Brioche process-events stream.</summary>
public abstract record ProcessEvent
{
    public abstract ProcessEventKind Kind { get; }
}

/// <summary>An event that carries <c>elapsed</c>: milliseconds since the job was described.</summary>
public abstract record TimedProcessEvent(uint ElapsedMilliseconds) : ProcessEvent
{
    public TimeSpan Elapsed => TimeSpan.FromMilliseconds(ElapsedMilliseconds);
}

/// <summary>The first event: what is about to run. <see cref="RawJson"/> keeps the bytes exactly as read.</summary>
public sealed record DescriptionEvent(ProcessDescription Description, ReadOnlyMemory<byte> RawJson) : ProcessEvent
{
    public override ProcessEventKind Kind => ProcessEventKind.Description;

    /// <summary>Equal when the JSON bytes are equal.</summary>
    public bool Equals(DescriptionEvent? other)
        => other is not null && RawJson.Span.SequenceEqual(other.RawJson.Span);

    public override int GetHashCode() => RawJson.Length;
}

public sealed record SpawnedEvent(uint ElapsedMilliseconds, uint Pid) : TimedProcessEvent(ElapsedMilliseconds)
{
    public override ProcessEventKind Kind => ProcessEventKind.Spawned;
}

/// <summary>A chunk of output. Chunks are not line-aligned.</summary>
public abstract record OutputEvent(uint ElapsedMilliseconds, ReadOnlyMemory<byte> Data) : TimedProcessEvent(ElapsedMilliseconds)
{
    public abstract OutputStream Stream { get; }

    /// <summary>Equal when stream, elapsed and bytes are equal (not the buffer's identity).</summary>
    public virtual bool Equals(OutputEvent? other)
        => other is not null && EqualityContract == other.EqualityContract
            && ElapsedMilliseconds == other.ElapsedMilliseconds && Data.Span.SequenceEqual(other.Data.Span);

    public override int GetHashCode() => HashCode.Combine(EqualityContract, ElapsedMilliseconds, Data.Length);
}

public sealed record StdoutEvent(uint ElapsedMilliseconds, ReadOnlyMemory<byte> Data) : OutputEvent(ElapsedMilliseconds, Data)
{
    public override ProcessEventKind Kind => ProcessEventKind.Stdout;
    public override OutputStream Stream => OutputStream.Stdout;
}

public sealed record StderrEvent(uint ElapsedMilliseconds, ReadOnlyMemory<byte> Data) : OutputEvent(ElapsedMilliseconds, Data)
{
    public override ProcessEventKind Kind => ProcessEventKind.Stderr;
    public override OutputStream Stream => OutputStream.Stderr;
}

/// <summary>One of the three ways a process ends.</summary>
public abstract record ExitEvent(uint ElapsedMilliseconds) : TimedProcessEvent(ElapsedMilliseconds)
{
    /// <summary>True only for exit code 0.</summary>
    public abstract bool Succeeded { get; }
}

public sealed record ExitedEvent(uint ElapsedMilliseconds, int ExitCode) : ExitEvent(ElapsedMilliseconds)
{
    public override ProcessEventKind Kind => ProcessEventKind.Exited;
    public override bool Succeeded => ExitCode == 0;
}

public sealed record ExitedWithSignalEvent(uint ElapsedMilliseconds, int Signal) : ExitEvent(ElapsedMilliseconds)
{
    public override ProcessEventKind Kind => ProcessEventKind.ExitedWithSignal;
    public override bool Succeeded => false;
}

public sealed record ExitedWithMessageEvent(uint ElapsedMilliseconds, string Message) : ExitEvent(ElapsedMilliseconds)
{
    public override ProcessEventKind Kind => ProcessEventKind.ExitedWithMessage;
    public override bool Succeeded => false;
}
