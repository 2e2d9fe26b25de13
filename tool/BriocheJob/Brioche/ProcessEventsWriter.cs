using System.Buffers.Binary;
using System.Text;
using BriocheJob.Diagnostics;
using BriocheJob.Zstd;

namespace BriocheJob.Brioche;

public sealed class ProcessEventsWriterOptions
{
    /// <summary>Write zstd seekable frames (Brioche's format). False writes the raw, uncompressed stream.</summary>
    public bool Compress { get; init; } = true;

    public int CompressionLevel { get; init; } = 3;

    /// <summary>Decompressed bytes per frame after frame 0. The format fixes 1 MiB; tests may lower it.</summary>
    public int FrameSize { get; init; } = ProcessEventsCodec.MaxChunkLength;

    /// <summary>Clock for the events' elapsed times (measured from the writer's creation).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// Writes a Brioche process-events file. Frame 0 (magic + Description) is finished and flushed to disk by the
/// constructor; later frames are cut every 1 MiB of decompressed bytes; each event is flushed so followers see it;
/// <see cref="Complete"/> (or Dispose) ends the last frame and appends the seek table. Thread-safe.
/// </summary>
public sealed class ProcessEventsWriter : IDisposable, IAsyncDisposable
{
    /// <summary>The seek table's skippable-frame magic (bytes 5E 2A 4D 18).</summary>
    public const uint SeekTableMagic = 0x184D2A5E;

    /// <summary>The seek table footer's magic (bytes B1 EA 92 8F).</summary>
    public const uint SeekTableFooterMagic = 0x8F92EAB1;

    private readonly object _gate = new();
    private byte[] _scratch = [];
    private readonly Stream _destination;
    private readonly bool _leaveOpen;
    private readonly ProcessEventsWriterOptions _options;
    private readonly ZstdCompressor? _compressor;
    private readonly long _startTimestamp;
    private readonly List<SeekTableEntry> _frames = [];
    private long _frameCompressed;
    private long _frameDecompressed;
    private bool _completed;
    private bool _disposed;

    /// <summary>Creates (or replaces) <paramref name="path"/>; readers may open it while it is written.</summary>
    public static ProcessEventsWriter Create(string path, ProcessDescription description, ProcessEventsWriterOptions? options = null)
    {
        var fileOptions = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 1,
        };
        if (!OperatingSystem.IsWindows())
        {
            // Logs hold whatever the build printed: private to the user, whatever the umask (0600 as documented).
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(path, fileOptions);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                // UnixCreateMode applies only to a new file; an existing one being replaced keeps its mode otherwise.
                File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return new ProcessEventsWriter(stream, description, options);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public ProcessEventsWriter(Stream destination, ProcessDescription description, ProcessEventsWriterOptions? options = null, bool leaveOpen = false)
        : this(destination, new DescriptionEvent(description, ReadOnlyMemory<byte>.Empty), options, leaveOpen)
    {
    }

    /// <summary>Writes <paramref name="description"/>'s <c>RawJson</c> verbatim when it has any (re-encoding a read file).</summary>
    public ProcessEventsWriter(Stream destination, DescriptionEvent description, ProcessEventsWriterOptions? options = null, bool leaveOpen = false)
    {
        _destination = destination;
        _leaveOpen = leaveOpen;
        _options = options ?? new ProcessEventsWriterOptions();
        if (_options.FrameSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "FrameSize must be positive");
        }
        _startTimestamp = _options.TimeProvider.GetTimestamp();
        if (_options.Compress)
        {
            _compressor = new ZstdCompressor(_options.CompressionLevel);
        }

        var encoded = ProcessEventsCodec.Encode(description);
        var first = new byte[ProcessEventsCodec.MagicLength + encoded.Length];
        ProcessEventsCodec.Magic.CopyTo(first);
        encoded.CopyTo(first, ProcessEventsCodec.MagicLength);
        if (_compressor is null)
        {
            _destination.Write(first);
        }
        else
        {
            // Frame 0 is exactly magic + Description, so a reader needs only this frame for the description.
            var compressed = _compressor.Compress(first, ZstdEndDirective.End, _destination);
            _frames.Add(new SeekTableEntry((uint)compressed, (uint)first.Length));
        }
        FlushToDisk();
    }

    /// <summary>Elapsed since this writer was created, as Brioche counts it (ms, saturating u32).</summary>
    public uint ElapsedMilliseconds
    {
        get
        {
            var elapsed = _options.TimeProvider.GetElapsedTime(_startTimestamp).TotalMilliseconds;
            return elapsed >= uint.MaxValue ? uint.MaxValue : (uint)Math.Max(0, elapsed);
        }
    }

    /// <summary>The frames written so far (frame 0 first), as the seek table will list them.</summary>
    public IReadOnlyList<SeekTableEntry> Frames
    {
        get
        {
            lock (_gate)
            {
                return _frames.ToList();
            }
        }
    }

    public void WriteSpawned(uint pid) => Write(new SpawnedEvent(ElapsedMilliseconds, pid));

    public void WriteStdout(ReadOnlySpan<byte> data) => WriteOutput(OutputStream.Stdout, data, ElapsedMilliseconds);

    public void WriteStderr(ReadOnlySpan<byte> data) => WriteOutput(OutputStream.Stderr, data, ElapsedMilliseconds);

    /// <summary>Writes output as one event per 1 MiB; an empty chunk writes nothing.</summary>
    public void WriteOutput(OutputStream stream, ReadOnlySpan<byte> data, uint elapsedMilliseconds)
    {
        lock (_gate)
        {
            var kind = stream == OutputStream.Stdout ? ProcessEventKind.Stdout : ProcessEventKind.Stderr;
            for (var offset = 0; offset < data.Length; offset += ProcessEventsCodec.MaxChunkLength)
            {
                var piece = data.Slice(offset, Math.Min(ProcessEventsCodec.MaxChunkLength, data.Length - offset));
                // Encoded into one reused buffer: recording output allocates nothing per chunk.
                int length = ProcessEventsCodec.EncodedOutputLength(piece.Length);
                if (_scratch.Length < length)
                {
                    _scratch = new byte[Math.Max(length, Math.Min(2 * _scratch.Length, ProcessEventsCodec.EncodedOutputLength(ProcessEventsCodec.MaxChunkLength)))];
                }

                ProcessEventsCodec.EncodeOutput(_scratch, kind, elapsedMilliseconds, piece);
                AppendEncoded(kind, _scratch.AsSpan(0, length));
            }
            if (data.Length > 0)
            {
                FlushEvent();
            }
        }
    }

    public void WriteExited(int exitCode) => Write(new ExitedEvent(ElapsedMilliseconds, exitCode));

    public void WriteExitedWithSignal(int signal) => Write(new ExitedWithSignalEvent(ElapsedMilliseconds, signal));

    /// <summary>An empty message is written as "(no message)"; one over 1 MiB is cut at a character boundary.</summary>
    public void WriteExitedWithMessage(string message) => Write(new ExitedWithMessageEvent(ElapsedMilliseconds, message));

    /// <summary>Writes an event with the elapsed time it carries (for replaying or importing logs).</summary>
    public void Write(ProcessEvent processEvent)
    {
        switch (processEvent)
        {
            case DescriptionEvent:
                throw Catalog.Events.DescriptionWrittenOnce.Exception();
            case OutputEvent output:
                WriteOutput(output.Stream, output.Data.Span, output.ElapsedMilliseconds);
                return;
            case ExitedWithMessageEvent message:
                processEvent = message with { Message = FitMessage(message.Message) };
                break;
        }
        lock (_gate)
        {
            AppendEvent(processEvent);
            FlushEvent();
        }
    }

    /// <summary>Ends the last frame and appends the seek table. Later writes fail; calling again does nothing.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }
            ThrowIfDisposed();
            _completed = true;
            if (_compressor is not null)
            {
                EndFrame();
                _destination.Write(BuildSeekTable(_frames));
            }
            FlushToDisk();
        }
    }

    /// <summary>The seek table skippable frame for <paramref name="frames"/>, byte for byte as the format defines it.</summary>
    public static byte[] BuildSeekTable(IReadOnlyList<SeekTableEntry> frames)
    {
        var table = new byte[8 + frames.Count * 8 + 9];
        var span = table.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, SeekTableMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)(frames.Count * 8 + 9));
        for (var i = 0; i < frames.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[(8 + i * 8)..], frames[i].CompressedSize);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(12 + i * 8)..], frames[i].DecompressedSize);
        }
        var footer = span[(8 + frames.Count * 8)..];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, (uint)frames.Count);
        footer[4] = 0; // descriptor: no checksums
        BinaryPrimitives.WriteUInt32LittleEndian(footer[5..], SeekTableFooterMagic);
        return table;
    }

    private static string FitMessage(string message)
    {
        if (message.Length == 0)
        {
            return "(no message)";
        }
        if (Encoding.UTF8.GetByteCount(message) <= ProcessEventsCodec.MaxChunkLength)
        {
            return message;
        }
        var length = Math.Min(message.Length, ProcessEventsCodec.MaxChunkLength);
        while (Encoding.UTF8.GetByteCount(message.AsSpan(0, length)) > ProcessEventsCodec.MaxChunkLength || char.IsHighSurrogate(message[length - 1]))
        {
            length--;
        }
        return message[..length];
    }

    private void AppendEvent(ProcessEvent processEvent)
    {
        ThrowIfDisposed();
        if (_completed)
        {
            throw Catalog.Events.WriterMisuse.Exception(processEvent.Kind);
        }
        AppendEncoded(processEvent.Kind, ProcessEventsCodec.Encode(processEvent), checkedState: true);
    }

    private void AppendEncoded(ProcessEventKind kind, ReadOnlySpan<byte> bytes, bool checkedState = false)
    {
        if (!checkedState)
        {
            ThrowIfDisposed();
            if (_completed)
            {
                throw Catalog.Events.WriterMisuse.Exception(kind);
            }
        }

        if (_compressor is null)
        {
            _destination.Write(bytes);
            return;
        }
        while (!bytes.IsEmpty)
        {
            var take = (int)Math.Min(bytes.Length, _options.FrameSize - _frameDecompressed);
            _frameCompressed += _compressor.Compress(bytes[..take], ZstdEndDirective.Continue, _destination);
            _frameDecompressed += take;
            bytes = bytes[take..];
            if (_frameDecompressed == _options.FrameSize)
            {
                EndFrame();
            }
        }
    }

    private void FlushEvent()
    {
        if (_compressor is not null && _frameDecompressed > 0)
        {
            _frameCompressed += _compressor.Compress(ReadOnlySpan<byte>.Empty, ZstdEndDirective.Flush, _destination);
        }
        _destination.Flush();
    }

    private void EndFrame()
    {
        if (_frameDecompressed == 0)
        {
            return;
        }
        _frameCompressed += _compressor!.Compress(ReadOnlySpan<byte>.Empty, ZstdEndDirective.End, _destination);
        _frames.Add(new SeekTableEntry((uint)_frameCompressed, (uint)_frameDecompressed));
        _frameCompressed = 0;
        _frameDecompressed = 0;
    }

    private void FlushToDisk()
    {
        if (_destination is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            _destination.Flush();
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw Catalog.Events.WriterDisposed.Exception();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            try
            {
                Complete();
            }
            finally
            {
                _disposed = true;
                _compressor?.Dispose();
                if (!_leaveOpen)
                {
                    _destination.Dispose();
                }
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One seek table entry: a frame's compressed and decompressed sizes.</summary>
public readonly record struct SeekTableEntry(uint CompressedSize, uint DecompressedSize);
