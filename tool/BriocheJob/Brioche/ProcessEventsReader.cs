using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using BriocheJob.Diagnostics;
using BriocheJob.Zstd;

namespace BriocheJob.Brioche;

/// <summary>
/// Reads a process-events stream forward: compressed or raw (told apart by the first bytes), any number of frames,
/// seek table skipped. Works on non-seekable input such as stdin. A stream that stops early is not an error:
/// every complete event is returned, then <see cref="EndedAbruptly"/> is true. Malformed data throws BJ2001/BJ2002/BJ2004.
/// </summary>
public sealed class ProcessEventsReader : IDisposable, IAsyncDisposable
{
    private readonly Stream _source;
    private readonly bool _leaveOpen;
    private Stream? _events;
    private ZstdDecompressionStream? _decompressor;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eventsEnded;
    private bool _finished;
    private long _offset;

    public ProcessEventsReader(Stream source, bool leaveOpen = false)
    {
        _source = source;
        _leaveOpen = leaveOpen;
    }

    private EventsResumePoint? _resume;

    /// <summary>
    /// A reader over <paramref name="source"/>, already positioned at <paramref name="resume"/>'s file offset (a frame
    /// start, or a raw event start), whose first event is the one the resume point names. No magic is expected.
    /// </summary>
    internal static ProcessEventsReader OpenAt(Stream source, EventsResumePoint resume, bool leaveOpen = false)
        => new(source, leaveOpen) { _resume = resume };

    /// <summary>Opens a file for reading while another process may still write or delete it.</summary>
    public static ProcessEventsReader Open(string path) => new(OpenShared(path));

    /// <summary>
    /// Decompress on a thread of its own, a few blocks ahead (<see cref="ReadAheadStream"/>): for reading a whole
    /// finished file as fast as it can be printed. Synchronous reads only; not for following a growing file.
    /// </summary>
    internal bool ReadAhead { get; init; }

    internal static FileStream OpenShared(string path)
    {
        if (Directory.Exists(path))
        {
            throw Unreadable(path, "it is a directory");
        }

        FileStream? stream = null;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            if (stream.CanSeek)
            {
                // Files such as /proc/self/mem open but fail on the first read; say so here, not mid-log.
                Span<byte> probe = stackalloc byte[1];
                RandomAccess.Read(stream.SafeFileHandle, probe, 0);
            }

            return stream;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            stream?.Dispose();
            throw Catalog.Events.EventsFileNotFound.ExceptionFrom(e, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream?.Dispose();
            throw Unreadable(path, e is UnauthorizedAccessException ? "permission denied" : e.Message.Split(" : ", 2)[0]);
        }
    }

    private static BriocheJobException Unreadable(string path, string why) =>
        Catalog.Events.EventsFileUnreadable.Exception(path, why);

    /// <summary>True when the input ended inside an event, inside the magic or inside a zstd frame.</summary>
    public bool EndedAbruptly { get; private set; }

    /// <summary>Null until the first read; then whether the input is zstd-compressed.</summary>
    public bool? IsCompressed { get; private set; }

    /// <summary>zstd frames decoded to their end so far (0 for raw input).</summary>
    public int FramesCompleted => _decompressor?.FramesCompleted ?? 0;

    /// <summary>zstd frames decompressed so far, in whole or in part (0 for raw input).</summary>
    public int FramesDecompressed => _decompressor?.FramesTouched ?? 0;

    /// <summary>Reads the Description event only: for Brioche's files that decompresses frame 0 and nothing more.</summary>
    public static ProcessDescription ReadDescription(string path)
    {
        using var reader = Open(path);
        return reader.ReadDescription();
    }

    /// <inheritdoc cref="ReadDescription(string)"/>
    public static ProcessDescription ReadDescription(Stream stream)
    {
        using var reader = new ProcessEventsReader(stream, leaveOpen: true);
        return reader.ReadDescription();
    }

    private ProcessDescription ReadDescription()
    {
        var first = ReadNext();
        return first switch
        {
            DescriptionEvent description => description.Description,
            null => throw ProcessEventsCodec.Corrupt("the file ends before its Description event"),
            _ => throw ProcessEventsCodec.Corrupt($"the first event is {first.Kind}, not Description"),
        };
    }

    /// <summary>The next event, or null at the end of the input.</summary>
    public ProcessEvent? ReadNext() => ReadNextCore(useAsync: false, default).GetAwaiter().GetResult();

    public ValueTask<ProcessEvent?> ReadNextAsync(CancellationToken cancellationToken = default) => ReadNextCore(useAsync: true, cancellationToken);

    public IEnumerable<ProcessEvent> ReadAll()
    {
        while (ReadNext() is { } next)
        {
            yield return next;
        }
    }

    public async IAsyncEnumerable<ProcessEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } next)
        {
            yield return next;
        }
    }

    private async ValueTask<ProcessEvent?> ReadNextCore(bool useAsync, CancellationToken cancellationToken)
    {
        if (!await NextRawCore(useAsync, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        return ProcessEventsCodec.DecodeBody(_rawKind, RawBody, _rawOffset);
    }

    private byte _rawKind;
    private int _rawBodyStart;
    private int _rawBodyLength;
    private long _rawOffset;

    private ReadOnlySpan<byte> RawBody => _buffer.AsSpan(_rawBodyStart, _rawBodyLength);

    /// <summary>
    /// The next event without decoding or copying it: <paramref name="body"/> points into the reader's buffer and is
    /// valid until the next read. False at the end of the input.
    /// </summary>
    internal bool TryReadRaw(out ProcessEventKind kind, out ReadOnlySpan<byte> body)
    {
        if (!NextRawCore(useAsync: false, default).GetAwaiter().GetResult())
        {
            kind = default;
            body = default;
            return false;
        }
        kind = (ProcessEventKind)_rawKind;
        body = RawBody;
        return true;
    }

    /// <summary>The decompressed offset of the event <see cref="TryReadRaw"/> returned last.</summary>
    internal long RawOffset => _rawOffset;

    private async ValueTask<bool> NextRawCore(bool useAsync, CancellationToken cancellationToken)
    {
        if (_finished)
        {
            return false;
        }
        if (_events is null && !await OpenEventsAsync(useAsync, cancellationToken).ConfigureAwait(false))
        {
            Finish(abrupt: true);
            return false;
        }
        if (!await EnsureAsync(ProcessEventsCodec.MarkerLength, useAsync, cancellationToken).ConfigureAwait(false))
        {
            Finish(abrupt: _end > _start || _decompressor?.EndedMidFrame == true);
            return false;
        }
        var kind = _buffer[_start];
        var length = BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(_start + 1));
        ProcessEventsCodec.ValidateMarker(kind, length, _offset);
        var total = (int)length + 2 * ProcessEventsCodec.MarkerLength;
        if (!await EnsureAsync(total, useAsync, cancellationToken).ConfigureAwait(false))
        {
            Finish(abrupt: true);
            return false;
        }
        var eventBytes = _buffer.AsSpan(_start, total);
        if (!eventBytes[..ProcessEventsCodec.MarkerLength].SequenceEqual(eventBytes[^ProcessEventsCodec.MarkerLength..]))
        {
            throw ProcessEventsCodec.Corrupt($"the trailer of the {(ProcessEventKind)kind} event at decompressed offset {_offset} does not match its header");
        }
        _rawKind = kind;
        _rawBodyStart = _start + ProcessEventsCodec.MarkerLength;
        _rawBodyLength = (int)length;
        _rawOffset = _offset;
        _start += total;
        _offset += total;
        return true;
    }

    private ProcessEvent? Finish(bool abrupt)
    {
        _finished = true;
        EndedAbruptly = abrupt;
        return null;
    }

    private async ValueTask<bool> OpenEventsAsync(bool useAsync, CancellationToken cancellationToken)
    {
        if (_resume is { } resume)
        {
            IsCompressed = resume.Compressed;
            if (resume.Compressed)
            {
                _decompressor = new ZstdDecompressionStream(_source, leaveOpen: true);
                _events = _decompressor;
            }
            else
            {
                _events = _source;
            }
            for (var left = resume.SkipDecompressed; left > 0;)
            {
                var take = (int)Math.Min(left, _buffer.Length);
                if (!await EnsureAsync(take, useAsync, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
                _start += take;
                left -= take;
            }
            return true;
        }
        // Read up to 4 bytes to tell zstd from raw, then replay them in front of the rest.
        var prefix = new byte[4];
        var got = 0;
        while (got < 4)
        {
            var read = useAsync
                ? await _source.ReadAsync(prefix.AsMemory(got), cancellationToken).ConfigureAwait(false)
                : _source.Read(prefix, got, 4 - got);
            if (read == 0)
            {
                break;
            }
            got += read;
        }
        if (got == 0)
        {
            // Nothing at all is not a log that ended early: there was never a log.
            throw Catalog.Events.NotAnEventsFile.Exception("the input is empty");
        }

        var head = prefix.AsSpan(0, got);
        var zstdMagic = new byte[] { 0x28, 0xB5, 0x2F, 0xFD };
        bool compressed;
        if (got == 4 && ZstdFrames.StartsWithFrameMagic(head))
        {
            compressed = true;
        }
        else if (ProcessEventsCodec.Magic.StartsWith(head))
        {
            compressed = false;
        }
        else if (got < 4 && zstdMagic.AsSpan().StartsWith(head))
        {
            IsCompressed = true;
            return false;
        }
        else
        {
            throw Catalog.Events.NotAnEventsFile.Exception("it starts with neither the zstd magic nor 'brioche_process_events v0'");
        }
        IsCompressed = compressed;
        Stream raw = new PrefixedStream(prefix.AsMemory(0, got), _source);
        if (compressed)
        {
            _decompressor = new ZstdDecompressionStream(raw, leaveOpen: true);
            _events = ReadAhead && !useAsync ? new ReadAheadStream(_decompressor, leaveOpen: true) : _decompressor;
        }
        else
        {
            _events = raw;
        }
        if (!await EnsureAsync(ProcessEventsCodec.MagicLength, useAsync, cancellationToken).ConfigureAwait(false))
        {
            if (!ProcessEventsCodec.Magic.StartsWith(_buffer.AsSpan(_start, _end - _start)))
            {
                throw NotEventsMagic();
            }
            return false;
        }
        if (!_buffer.AsSpan(_start, ProcessEventsCodec.MagicLength).SequenceEqual(ProcessEventsCodec.Magic))
        {
            throw NotEventsMagic();
        }
        _start += ProcessEventsCodec.MagicLength;
        _offset = ProcessEventsCodec.MagicLength;
        return true;
    }

    private static BriocheJobException NotEventsMagic() =>
        Catalog.Events.NotAnEventsFile.Exception("the data does not start with 'brioche_process_events v0'");

    /// <summary>Buffers at least <paramref name="count"/> bytes; false when the input ends first.</summary>
    private async ValueTask<bool> EnsureAsync(int count, bool useAsync, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
        {
            return true;
        }
        if (_buffer.Length - _start < count)
        {
            var bigger = _buffer.Length >= count ? _buffer : new byte[Math.Max(count, _buffer.Length * 2)];
            Buffer.BlockCopy(_buffer, _start, bigger, 0, _end - _start);
            _end -= _start;
            _start = 0;
            _buffer = bigger;
        }
        while (_end - _start < count && !_eventsEnded)
        {
            int read;
            try
            {
                read = useAsync
                    ? await _events!.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false)
                    : _events!.Read(_buffer, _end, _buffer.Length - _end);
            }
            catch (ZstdDataException e)
            {
                throw ProcessEventsCodec.CorruptZstd(e);
            }
            if (read == 0)
            {
                _eventsEnded = true;
            }
            _end += read;
        }
        return _end - _start >= count;
    }

    public void Dispose()
    {
        if (_events is ReadAheadStream readAhead)
        {
            // Stop its thread before the decoder it reads from goes away.
            readAhead.Dispose();
        }
        _decompressor?.Dispose();
        if (!_leaveOpen)
        {
            _source.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Replays a few already-read bytes, then continues with the inner stream.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!_prefix.IsEmpty)
        {
            return TakePrefix(buffer);
        }
        return inner.Read(buffer);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => !_prefix.IsEmpty ? new ValueTask<int>(TakePrefix(buffer.Span)) : inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int TakePrefix(Span<byte> buffer)
    {
        var take = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..take].CopyTo(buffer);
        _prefix = _prefix[take..];
        return take;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
