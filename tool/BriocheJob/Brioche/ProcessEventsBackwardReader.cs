using System.Buffers.Binary;
using BriocheJob.Diagnostics;
using BriocheJob.Zstd;

namespace BriocheJob.Brioche;

/// <summary>
/// Reads a seekable process-events file from its end: last event first, decompressing only the frames it walks
/// into. The frame list comes from the seek table; without one (a killed writer) frames are found by size
/// (<c>ZSTD_findFrameCompressedSize</c>, no decompression) and a cut-off end is trimmed to the last whole event.
/// </summary>
public sealed class ProcessEventsBackwardReader : IDisposable
{
    private const int RawSegmentLength = 1024 * 1024;

    /// <summary>
    /// The most a loaded window holds. A frame that inflates to more (a crafted file; Brioche's hold 1 MiB) is read
    /// in windows of this size, each decompressed from the frame's start, so memory never follows a frame's size.
    /// </summary>
    internal const int WindowLength = 4 * 1024 * 1024;

    private readonly Stream _file;
    private readonly bool _leaveOpen;
    private readonly List<Segment> _segments = [];
    private readonly List<LoadedSegment> _loaded = [];
    private int _nextSegment;
    private long _loadedStart;
    private bool _initialized;
    private bool _empty;

    public ProcessEventsBackwardReader(Stream seekable, bool leaveOpen = false)
    {
        if (!seekable.CanSeek)
        {
            throw new ArgumentException("backward reading needs a seekable stream", nameof(seekable));
        }
        _file = seekable;
        _leaveOpen = leaveOpen;
    }

    public static ProcessEventsBackwardReader Open(string path) => new(ProcessEventsReader.OpenShared(path));

    /// <summary>Whether the file is zstd-compressed (known after the first read).</summary>
    public bool IsCompressed { get; private set; }

    /// <summary>Whether a valid seek table listed the frames.</summary>
    public bool HasSeekTable { get; private set; }

    /// <summary>Number of zstd data frames (0 for raw files).</summary>
    public int FrameCount => IsCompressed ? _frameCount : 0;

    private int _frameCount;
    private byte[] _eventBuffer = new byte[4096];

    /// <summary>The most decompressed bytes held at once (loaded windows): bounded whatever a frame inflates to.</summary>
    internal long PeakLoadedBytes { get; private set; }

    /// <summary>zstd frames decompressed so far (whole or only their first bytes): the cost of a tail read.</summary>
    public int FramesDecompressed { get; private set; }

    /// <summary>Decompressed bytes produced so far, over every frame loaded.</summary>
    internal long BytesDecompressed { get; private set; }

    /// <summary>True when the file ends inside a frame or an event.</summary>
    public bool EndedAbruptly { get; private set; }

    /// <summary>Events from the last to the first (the Description). Stops early if the caller stops enumerating.</summary>
    public IEnumerable<ProcessEvent> ReadBackward()
    {
        foreach (var (kind, start) in ReadBackwardRaw())
        {
            yield return ProcessEventsCodec.DecodeBody(kind, RawBody, start);
        }
    }

    /// <summary>The body of the event <see cref="ReadBackwardRaw"/> yielded last; valid until the next one.</summary>
    internal ReadOnlySpan<byte> RawBody => _eventBuffer.AsSpan(ProcessEventsCodec.MarkerLength, _rawLength);

    private int _rawLength;

    /// <summary>Where the event yielded last starts (a position counted back from the end of the decompressed data).</summary>
    internal long LastEventStart { get; private set; }

    /// <summary>
    /// Where a forward reader can start so that its first event is the one at <paramref name="position"/> (a loaded
    /// event start): the file offset of the frame (or raw byte) to read from and the decompressed bytes to skip there.
    /// </summary>
    internal EventsResumePoint ResumePointOf(long position)
    {
        foreach (var loaded in _loaded)
        {
            if (position >= loaded.Start && position < loaded.Start + loaded.Data.Length)
            {
                var within = position - loaded.Start;
                return IsCompressed
                    ? new EventsResumePoint(true, loaded.Source.Offset, loaded.Source.SliceStart + within)
                    : new EventsResumePoint(false, loaded.Source.Offset + within, 0);
            }
        }
        throw new InvalidOperationException("the position is not loaded");
    }

    /// <summary>Like <see cref="ReadBackward"/> without decoding or copying: each event's kind and position, its body in <see cref="RawBody"/>.</summary>
    /// <param name="decide">
    /// Asked for each event, newest first, once its trailer (kind and length) is read and before its body is loaded:
    /// <see cref="BackwardStep.SkipBody"/> passes over the event without yielding it (only its header is loaded, so
    /// with a seek table the frames wholly inside its body are never decompressed); <see cref="BackwardStep.Stop"/>
    /// ends the enumeration there.
    /// </param>
    internal IEnumerable<(byte Kind, long Start)> ReadBackwardRaw(Func<byte, uint, BackwardStep>? decide = null)
    {
        Initialize();
        if (_empty)
        {
            yield break;
        }
        var position = FindLastBoundary();
        if (_empty)
        {
            yield break;
        }
        if (position != 0)
        {
            EndedAbruptly = true;
        }
        var marker = new byte[ProcessEventsCodec.MarkerLength];
        while (true)
        {
            var haveTrailer = Ensure(position - ProcessEventsCodec.MarkerLength);
            if (_nextSegment == 0 && position - _loadedStart == ProcessEventsCodec.MagicLength)
            {
                CheckMagic();
                yield break;
            }
            if (!haveTrailer || BeforeEventsStart(position - ProcessEventsCodec.MarkerLength))
            {
                throw ProcessEventsCodec.Corrupt($"the start of the stream is reached in the middle of an event, {-position} bytes before the end");
            }
            Copy(position - ProcessEventsCodec.MarkerLength, marker);
            var kind = marker[0];
            var length = BinaryPrimitives.ReadUInt32BigEndian(marker.AsSpan(1));
            if (!ProcessEventsCodec.IsPlausibleMarker(kind, length))
            {
                throw ProcessEventsCodec.Corrupt($"bad event trailer (kind {kind}, length {length}) {-position} bytes before the end of the stream");
            }
            var step = decide?.Invoke(kind, length) ?? BackwardStep.Read;
            if (step == BackwardStep.Stop)
            {
                yield break;
            }
            var total = (int)length + 2 * ProcessEventsCodec.MarkerLength;
            var start = position - total;
            if (step == BackwardStep.SkipBody && LoadHeaderOnly(start) && !BeforeEventsStart(start))
            {
                var header = _eventBuffer.AsSpan(0, ProcessEventsCodec.MarkerLength);
                Copy(start, header);
                if (!header.SequenceEqual(marker))
                {
                    throw ProcessEventsCodec.Corrupt($"the header of the {(ProcessEventKind)kind} event {-start} bytes before the end does not match its trailer");
                }
                _rawLength = 0;
                position = start;
                DropAfter(position);
                LastEventStart = start;
                continue;
            }
            if (!Ensure(start) || BeforeEventsStart(start))
            {
                throw ProcessEventsCodec.Corrupt($"a {(ProcessEventKind)kind} event of {length} bytes reaches before the start of the stream");
            }
            if (_eventBuffer.Length < total)
            {
                _eventBuffer = new byte[Math.Max(total, Math.Min(2 * _eventBuffer.Length, ProcessEventsCodec.MaxChunkLength + 64))];
            }
            var bytes = _eventBuffer.AsSpan(0, total);
            Copy(start, bytes);
            if (!bytes[..ProcessEventsCodec.MarkerLength].SequenceEqual(marker))
            {
                throw ProcessEventsCodec.Corrupt($"the header of the {(ProcessEventKind)kind} event {-start} bytes before the end does not match its trailer");
            }
            _rawLength = (int)length;
            position = start;
            DropAfter(position);
            LastEventStart = start;
            yield return (kind, start);
        }
    }

    private void Initialize()
    {
        if (_initialized)
        {
            return;
        }
        _initialized = true;
        var length = _file.Length;
        var head = new byte[4];
        var got = ReadAt(0, head);
        if (got == 0)
        {
            _empty = true;
            EndedAbruptly = true;
            return;
        }
        if (got == 4 && ZstdFrames.StartsWithFrameMagic(head))
        {
            IsCompressed = true;
            if (!TryReadSeekTable(length))
            {
                ScanFrames(length);
            }
        }
        else if (ProcessEventsCodec.Magic.StartsWith(head.AsSpan(0, got)))
        {
            for (long offset = 0; offset < length; offset += RawSegmentLength)
            {
                _segments.Add(new Segment(offset, Math.Min(RawSegmentLength, length - offset), Partial: false));
            }
        }
        else
        {
            throw Catalog.Events.NotAnEventsFile.Exception("it starts with neither the zstd magic nor 'brioche_process_events v0'");
        }
        _nextSegment = _segments.Count;
        _frameCount = _segments.Count;
        if (_segments.Count == 0)
        {
            _empty = true;
            EndedAbruptly = true;
        }
    }

    private bool TryReadSeekTable(long length)
    {
        if (length < 17)
        {
            return false;
        }
        var footer = new byte[9];
        ReadAt(length - 9, footer);
        if (BinaryPrimitives.ReadUInt32LittleEndian(footer.AsSpan(5)) != ProcessEventsWriter.SeekTableFooterMagic || (footer[4] & 0x7C) != 0)
        {
            return false;
        }
        long count = BinaryPrimitives.ReadUInt32LittleEndian(footer);
        var entrySize = (footer[4] & 0x80) != 0 ? 12 : 8;
        var tableLength = 8 + count * entrySize + 9;
        if (tableLength > length || count == 0)
        {
            return false;
        }
        var table = new byte[tableLength];
        ReadAt(length - tableLength, table);
        if (BinaryPrimitives.ReadUInt32LittleEndian(table) != ProcessEventsWriter.SeekTableMagic
            || BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(4)) != tableLength - 8)
        {
            return false;
        }
        var frames = new List<Segment>();
        long offset = 0;
        for (var i = 0; i < count; i++)
        {
            var compressed = BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(8 + i * entrySize));
            var decompressed = BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(12 + i * entrySize));
            frames.Add(new Segment(offset, compressed, Partial: false, DecompressedLength: decompressed));
            offset += compressed;
        }
        if (offset != length - tableLength)
        {
            return false;
        }
        _segments.AddRange(frames);
        HasSeekTable = true;
        return true;
    }

    /// <summary>Finds frame edges by size only, reading the file once without decompressing it.</summary>
    private void ScanFrames(long length)
    {
        var buffer = new byte[4 * 1024 * 1024];
        long bufferStart = 0;
        var bufferLength = ReadAt(0, buffer);
        long offset = 0;
        while (offset < length)
        {
            var available = buffer.AsSpan((int)(offset - bufferStart), (int)(bufferStart + bufferLength - offset));
            long size;
            try
            {
                size = ZstdFrames.FindFrameCompressedSize(available);
            }
            catch (ZstdDataException e)
            {
                throw ProcessEventsCodec.CorruptZstd(e);
            }
            if (size < 0)
            {
                if (bufferStart + bufferLength >= length)
                {
                    _segments.Add(new Segment(offset, length - offset, Partial: true));
                    return;
                }
                if (offset > bufferStart)
                {
                    available.CopyTo(buffer);
                }
                else
                {
                    var bigger = new byte[buffer.Length * 2];
                    available.CopyTo(bigger);
                    buffer = bigger;
                }
                bufferStart = offset;
                bufferLength = available.Length + ReadAt(offset + available.Length, buffer.AsSpan(available.Length));
                continue;
            }
            if (!ZstdFrames.IsSkippableMagic(BinaryPrimitives.ReadUInt32LittleEndian(available)))
            {
                _segments.Add(new Segment(offset, size, Partial: false));
            }
            offset += size;
        }
    }

    /// <summary>
    /// Where the last whole event ends, relative to the end of the decompressed data (0 = the very end).
    /// With a seek table the end is trusted; otherwise the end is checked and, if cut, the last position is taken
    /// whose trailer matches its header and after which only the start of one event remains.
    /// </summary>
    private long FindLastBoundary()
    {
        if (HasSeekTable)
        {
            return 0;
        }
        Ensure(-1);
        var marker = new byte[ProcessEventsCodec.MarkerLength];
        var header = new byte[ProcessEventsCodec.MarkerLength];
        for (long q = 0; ; q--)
        {
            if (!Ensure(q - ProcessEventsCodec.MarkerLength))
            {
                if (q - _loadedStart <= ProcessEventsCodec.MagicLength)
                {
                    // Nothing whole after the magic (or not even the magic).
                    EndedAbruptly = true;
                    if (q - _loadedStart < ProcessEventsCodec.MagicLength)
                    {
                        _empty = true;
                    }
                    return q;
                }
            }
            if (_nextSegment == 0 && q - _loadedStart == ProcessEventsCodec.MagicLength)
            {
                return q;
            }
            if (-q > ProcessEventsCodec.MaxDescriptionLength + 2 * ProcessEventsCodec.MarkerLength)
            {
                throw ProcessEventsCodec.Corrupt("no whole event found at the end of the stream");
            }
            Copy(q - ProcessEventsCodec.MarkerLength, marker);
            var length = BinaryPrimitives.ReadUInt32BigEndian(marker.AsSpan(1));
            if (!ProcessEventsCodec.IsPlausibleMarker(marker[0], length))
            {
                continue;
            }
            var start = q - length - 2 * ProcessEventsCodec.MarkerLength;
            if (!Ensure(start) || BeforeEventsStart(start))
            {
                continue;
            }
            Copy(start, header);
            if (!header.AsSpan().SequenceEqual(marker) || !IsEventPrefix(q))
            {
                continue;
            }
            return q;
        }
    }

    /// <summary>Whether a loaded position lies inside the magic (only possible once frame 0 is loaded).</summary>
    private bool BeforeEventsStart(long position) => _nextSegment == 0 && position - _loadedStart < ProcessEventsCodec.MagicLength;

    /// <summary>Whether the bytes from <paramref name="position"/> to the end could be the start of one event.</summary>
    private bool IsEventPrefix(long position)
    {
        var remaining = -position;
        if (remaining == 0)
        {
            return true;
        }
        var marker = new byte[ProcessEventsCodec.MarkerLength];
        if (remaining < ProcessEventsCodec.MarkerLength)
        {
            Copy(position, marker.AsSpan(0, (int)remaining));
            return ProcessEventsCodec.IsKnownKind(marker[0]);
        }
        Copy(position, marker);
        var length = BinaryPrimitives.ReadUInt32BigEndian(marker.AsSpan(1));
        return ProcessEventsCodec.IsPlausibleMarker(marker[0], length) && length + 2 * ProcessEventsCodec.MarkerLength > remaining;
    }

    private void CheckMagic()
    {
        var magic = new byte[ProcessEventsCodec.MagicLength];
        Copy(_loadedStart, magic);
        if (!magic.AsSpan().SequenceEqual(ProcessEventsCodec.Magic))
        {
            throw Catalog.Events.NotAnEventsFile.Exception("the data does not start with 'brioche_process_events v0'");
        }
    }

    /// <summary>Loads earlier segments until <paramref name="position"/> is loaded; false if it lies before the stream.</summary>
    private bool Ensure(long position)
    {
        while (position < _loadedStart)
        {
            if (_nextSegment == 0)
            {
                return false;
            }
            _nextSegment--;
            var (buffer, length) = LoadSegment(_nextSegment);
            _loadedStart -= length;
            _loaded.Insert(0, new LoadedSegment(_loadedStart, buffer.AsMemory(0, length), buffer, _segments[_nextSegment]));
            PeakLoadedBytes = Math.Max(PeakLoadedBytes, _loaded.Sum(l => (long)l.Data.Length));
        }
        return true;
    }

    /// <summary>
    /// Loads what the header of an event starting at <paramref name="start"/> needs and no more: with a seek table, the
    /// first bytes of the one frame holding it, placed by the table's decompressed sizes; the frames between it and
    /// the loaded data are not decompressed. False when that cannot be done (no seek table, a frame too big for one
    /// window, a header across two frames): the caller then loads the whole event as usual. A table whose sizes do
    /// not match the frames shows as a header that does not match its trailer, or as a frame shorter than its size.
    /// </summary>
    private bool LoadHeaderOnly(long start)
    {
        if (start >= _loadedStart)
        {
            return true;
        }
        if (!HasSeekTable || _nextSegment == 0 || _segments[_nextSegment].SliceStart != 0)
        {
            return false;
        }
        var end = _loadedStart;
        var index = _nextSegment - 1;
        while (true)
        {
            var candidate = _segments[index];
            if (candidate.SliceLength > 0 || candidate.DecompressedLength < 0)
            {
                return false;
            }
            if (end - candidate.DecompressedLength <= start)
            {
                break;
            }
            end -= candidate.DecompressedLength;
            if (--index < 0)
            {
                return false;
            }
        }
        var segment = _segments[index];
        var frameStart = end - segment.DecompressedLength;
        var needed = start + ProcessEventsCodec.MarkerLength - frameStart;
        if (needed > segment.DecompressedLength || segment.DecompressedLength > WindowLength)
        {
            return false;
        }
        var buffer = Rent((int)needed);
        int got;
        try
        {
            got = ZstdFrames.DecompressFrameSlice(_file, segment.Offset, 0, buffer.AsSpan(0, (int)needed), Decoder);
        }
        catch (ZstdDataException e)
        {
            throw ProcessEventsCodec.CorruptZstd(e);
        }
        FramesDecompressed++;
        BytesDecompressed += got;
        if (got != needed)
        {
            throw ProcessEventsCodec.Corrupt($"zstd frame {index} holds fewer bytes than the seek table says ({segment.DecompressedLength})");
        }
        _nextSegment = index;
        _loadedStart = frameStart;
        _loaded.Insert(0, new LoadedSegment(frameStart, buffer.AsMemory(0, got), buffer, segment));
        PeakLoadedBytes = Math.Max(PeakLoadedBytes, _loaded.Sum(l => (long)l.Data.Length));
        return true;
    }

    /// <summary>Window buffers no longer loaded, reused so reading a large file backwards allocates no new ones.</summary>
    private readonly Stack<byte[]> _spare = new();

    private ZstdDecompressionStream? _decoder;

    /// <summary>One decoder for every frame this reader loads.</summary>
    private ZstdDecompressionStream Decoder => _decoder ??= new ZstdDecompressionStream(_file, leaveOpen: true, singleFrame: true);

    private byte[] Rent(int length)
    {
        while (_spare.TryPop(out var buffer))
        {
            if (buffer.Length >= length)
            {
                return buffer;
            }
        }
        return new byte[length];
    }

    /// <summary>The frames Brioche and our writer make: 1 MiB of events each.</summary>
    private const int UsualFrameLength = 1024 * 1024;

    /// <summary>
    /// The buffer a frame is first decompressed into: the size its header declares when that fits a window (a hint
    /// only: the decoder never writes past the buffer), else the usual frame size. A tail read of a small log then
    /// touches a few hundred KB, not a 4 MiB window per frame (page faults and a garbage collection at start-up).
    /// </summary>
    private int FirstTryLength(Segment segment)
    {
        Span<byte> header = stackalloc byte[18];
        var got = ReadAt(segment.Offset, header[..(int)Math.Min(header.Length, segment.Length)]);
        return ZstdFrames.GetFrameContentSize(header[..got]) is { } declared && declared <= WindowLength
            ? Math.Max(1, (int)declared)
            : UsualFrameLength;
    }

    /// <summary>Loads segment <paramref name="index"/>; a frame too big for one window is split into windows first.</summary>
    private (byte[] Buffer, int Length) LoadSegment(int index)
    {
        var segment = _segments[index];
        if (!IsCompressed)
        {
            var raw = Rent(RawSegmentLength);
            var read = ReadAt(segment.Offset, raw.AsSpan(0, (int)segment.Length));
            return (raw, read);
        }
        FramesDecompressed++;
        try
        {
            if (segment.SliceLength > 0)
            {
                var slice = Rent(WindowLength);
                var got = ZstdFrames.DecompressFrameSlice(_file, segment.Offset, segment.SliceStart, slice.AsSpan(0, segment.SliceLength), Decoder);
                BytesDecompressed += segment.SliceStart + got;
                return (slice, got);
            }
            var first = FirstTryLength(segment);
            var buffer = Rent(first);
            var length = ZstdFrames.DecompressFrameAt(_file, segment.Offset, buffer.AsSpan(0, first), out var total, out var complete, Decoder);
            BytesDecompressed += total;
            if (length < 0 && total <= WindowLength)
            {
                // Bigger than its header said (or than the usual size): again, into a buffer of its counted size.
                _spare.Push(buffer);
                buffer = Rent((int)total);
                length = ZstdFrames.DecompressFrameAt(_file, segment.Offset, buffer.AsSpan(0, (int)total), out total, out complete, Decoder);
                BytesDecompressed += total;
            }
            if (!complete)
            {
                EndedAbruptly = true;
            }
            if (length >= 0)
            {
                return (buffer, length);
            }
            _spare.Push(buffer);
            var windows = new List<Segment>();
            for (long start = 0; start < total; start += WindowLength)
            {
                windows.Add(segment with { SliceStart = start, SliceLength = (int)Math.Min(WindowLength, total - start) });
            }
            _segments.RemoveAt(index);
            _segments.InsertRange(index, windows);
            _nextSegment = index + windows.Count - 1;
            return LoadSegment(_nextSegment);
        }
        catch (ZstdDataException e)
        {
            throw ProcessEventsCodec.CorruptZstd(e);
        }
    }

    /// <summary>Forgets loaded segments that lie wholly after <paramref name="position"/>.</summary>
    private void DropAfter(long position)
    {
        while (_loaded.Count > 1 && _loaded[^1].Start >= position)
        {
            _spare.Push(_loaded[^1].Buffer);
            _loaded.RemoveAt(_loaded.Count - 1);
        }
    }

    private void Copy(long position, Span<byte> destination)
    {
        var written = 0;
        foreach (var segment in _loaded)
        {
            var segmentEnd = segment.Start + segment.Data.Length;
            var at = position + written;
            if (at >= segmentEnd || written == destination.Length)
            {
                continue;
            }
            var from = (int)(at - segment.Start);
            var take = Math.Min(segment.Data.Length - from, destination.Length - written);
            segment.Data.Span.Slice(from, take).CopyTo(destination[written..]);
            written += take;
        }
        if (written != destination.Length)
        {
            throw new InvalidOperationException("copy outside the loaded window");
        }
    }

    private int ReadAt(long offset, Span<byte> destination)
    {
        _file.Position = offset;
        var total = 0;
        while (total < destination.Length)
        {
            var read = _file.Read(destination[total..]);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }

    public void Dispose()
    {
        _decoder?.Dispose();
        if (!_leaveOpen)
        {
            _file.Dispose();
        }
    }

    /// <summary>A frame (or raw range); with <see cref="SliceLength"/> set, one window of a frame's decompressed bytes.
    /// <see cref="DecompressedLength"/>: what the seek table says the frame inflates to; -1 when there is no table.</summary>
    private readonly record struct Segment(long Offset, long Length, bool Partial, long SliceStart = 0, int SliceLength = 0, long DecompressedLength = -1);

    private readonly record struct LoadedSegment(long Start, ReadOnlyMemory<byte> Data, byte[] Buffer, Segment Source);
}

/// <summary>What <see cref="ProcessEventsBackwardReader.ReadBackwardRaw"/> does with the event whose trailer it has read.</summary>
internal enum BackwardStep
{
    /// <summary>Load the event and yield it.</summary>
    Read,

    /// <summary>Pass over it: check its header, but neither load nor yield its body.</summary>
    SkipBody,

    /// <summary>End the enumeration before this event.</summary>
    Stop,
}

/// <summary>A place to start reading events forward from the middle of a file (see <see cref="ProcessEventsReader.OpenAt"/>).</summary>
internal readonly record struct EventsResumePoint(bool Compressed, long FileOffset, long SkipDecompressed);
