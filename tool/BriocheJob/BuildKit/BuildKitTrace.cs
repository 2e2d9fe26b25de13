using System.Buffers;
using System.Buffers.Binary;
using BriocheJob.Diagnostics;

namespace BriocheJob.BuildKit;

/// <summary>Decodes a whole BuildKit progress stream, in any of the three encodings.</summary>
public static class BuildKitTrace
{
    /// <summary>A single record larger than this is taken for corrupt framing rather than buffered.</summary>
    public const int MaxRecordBytes = 64 * 1024 * 1024;

    private const int ReadSize = 64 * 1024;

    /// <summary>Reads <paramref name="stream"/> to its end and returns the decoded trace. Malformed records are counted, not thrown.</summary>
    public static async Task<BuildTrace> DecodeAsync(
        Stream stream,
        TraceEncoding encoding = TraceEncoding.Auto,
        IBuildTraceObserver? observer = null,
        CancellationToken cancellationToken = default,
        TraceLogRetention retention = TraceLogRetention.All)
    {
        var decoder = new BuildKitTraceDecoder(observer, retention);
        await FeedAsync(stream, decoder, encoding, cancellationToken).ConfigureAwait(false);
        return decoder.Finish();
    }

    /// <summary>Reads a trace file; throws BJ4001 when it is missing, BJ4002 when unreadable, BJ4003 when it is not a trace.</summary>
    public static async Task<BuildTrace> DecodeFileAsync(
        string path,
        TraceEncoding encoding = TraceEncoding.Auto,
        IBuildTraceObserver? observer = null,
        CancellationToken cancellationToken = default,
        TraceLogRetention retention = TraceLogRetention.All)
    {
        BuildTrace trace;
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
            trace = await DecodeAsync(file, encoding, observer, cancellationToken, retention).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Catalog.BuildKit.TraceFileNotFound.ExceptionFrom(ex, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Catalog.BuildKit.TraceUnreadable.ExceptionFrom(ex, path, ex.Message);
        }
        trace.EnsureIsTrace($"'{path}'");
        return trace;
    }

    /// <summary>
    /// Feeds <paramref name="decoder"/> from a stream as records arrive (for a live build: the Engine's /build
    /// response body). Does not call <see cref="BuildKitTraceDecoder.Finish"/>. <paramref name="afterRecord"/> runs
    /// after every record (or line) fed.
    /// </summary>
    public static async Task FeedAsync(
        Stream stream,
        BuildKitTraceDecoder decoder,
        TraceEncoding encoding = TraceEncoding.Auto,
        CancellationToken cancellationToken = default,
        Action? afterRecord = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(decoder);
        var buffer = new ReadBuffer();
        try
        {
            if (encoding == TraceEncoding.Auto)
            {
                encoding = await DetectAsync(stream, buffer, cancellationToken).ConfigureAwait(false);
            }

            decoder.Encoding = encoding;
            if (encoding == TraceEncoding.HistoryBlob)
            {
                await FeedBlobsAsync(stream, buffer, decoder, afterRecord, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await FeedLinesAsync(stream, buffer, decoder, encoding == TraceEncoding.RawJson, afterRecord, cancellationToken)
                    .ConfigureAwait(false);
            }
        }
        finally
        {
            buffer.Dispose();
        }
    }

    private static async Task<TraceEncoding> DetectAsync(Stream stream, ReadBuffer buffer, CancellationToken cancellationToken)
    {
        int scanned = 0;
        while (true)
        {
            var data = buffer.Data;
            for (; scanned < data.Length; scanned++)
            {
                byte b = data.Span[scanned];
                if (BuildKitTraceDecoder.IsWhiteSpace(b))
                {
                    continue;
                }
                // A UTF-8 byte order mark before the first line.
                if (b == 0xEF && scanned + 2 < data.Length && data.Span[scanned + 1] == 0xBB && data.Span[scanned + 2] == 0xBF)
                {
                    scanned += 2;
                    continue;
                }
                return b == (byte)'{' ? TraceEncoding.JsonLines : TraceEncoding.HistoryBlob;
            }
            if (await buffer.FillAsync(stream, ReadSize, cancellationToken).ConfigureAwait(false) == 0)
            {
                return TraceEncoding.JsonLines; // empty or blank: nothing to decode either way
            }
        }
    }

    private static async Task FeedLinesAsync(
        Stream stream, ReadBuffer buffer, BuildKitTraceDecoder decoder, bool rawJson, Action? afterRecord,
        CancellationToken cancellationToken)
    {
        bool discarding = false; // inside an over-long line, skipping to its end
        int scanned = 0; // unconsumed bytes already searched: no newline among them
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            buffer.Consume(FeedCompleteLines(buffer.Data.Span, scanned, ref discarding, decoder, rawJson, afterRecord));
            scanned = buffer.Data.Length;
            if (scanned > MaxRecordBytes)
            {
                if (!discarding)
                {
                    decoder.ReportMalformed(MalformedRecordKind.Framing, $"a line longer than {MaxRecordBytes} bytes");
                }

                discarding = true;
                buffer.Consume(scanned);
                scanned = 0;
            }
            if (await buffer.FillAsync(stream, ReadSize, cancellationToken).ConfigureAwait(false) == 0)
            {
                break;
            }
        }
        if (!discarding && buffer.Data.Length > 0)
        {
            FeedLine(decoder, StripBom(buffer.Data.Span), rawJson);
            afterRecord?.Invoke();
        }
    }

    /// <summary>
    /// Feeds each complete line of <paramref name="data"/> (whose first <paramref name="scanned"/> bytes hold no
    /// newline) and returns how many bytes that used: all of them up to the last newline.
    /// </summary>
    private static int FeedCompleteLines(ReadOnlySpan<byte> data, int scanned, ref bool discarding,
        BuildKitTraceDecoder decoder, bool rawJson, Action? afterRecord)
    {
        int used = 0;
        int newline;
        while ((newline = data[scanned..].IndexOf((byte)'\n')) >= 0)
        {
            int end = scanned + newline;
            if (!discarding)
            {
                FeedLine(decoder, StripBom(data[used..end]), rawJson);
                afterRecord?.Invoke();
            }

            discarding = false;
            used = scanned = end + 1;
        }
        return used;
    }

    private static ReadOnlySpan<byte> StripBom(ReadOnlySpan<byte> line) =>
        line.StartsWith("\uFEFF"u8) ? line[3..] : line;

    private static void FeedLine(BuildKitTraceDecoder decoder, ReadOnlySpan<byte> line, bool rawJson)
    {
        if (rawJson)
        {
            decoder.FeedRawJsonLine(line);
        }
        else
        {
            decoder.FeedJsonLine(line);
        }
    }

    private static async Task FeedBlobsAsync(
        Stream stream, ReadBuffer buffer, BuildKitTraceDecoder decoder, Action? afterRecord,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!await buffer.EnsureAsync(stream, 4, cancellationToken).ConfigureAwait(false))
            {
                if (buffer.Data.Length > 0)
                {
                    decoder.ReportMalformed(MalformedRecordKind.Framing, $"{buffer.Data.Length} stray bytes at the end, too few for a length prefix");
                }

                return;
            }
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(buffer.Data.Span);
            if (length > MaxRecordBytes)
            {
                // Without a trustworthy length there is no next record to find.
                decoder.ReportMalformed(MalformedRecordKind.Framing, $"a record length of {length} bytes; the rest of the input is skipped");
                return;
            }
            if (!await buffer.EnsureAsync(stream, 4 + (int)length, cancellationToken).ConfigureAwait(false))
            {
                decoder.ReportMalformed(MalformedRecordKind.Framing,
                    $"the last record is truncated ({buffer.Data.Length - 4} of {length} bytes)");
                return;
            }
            var (array, offset) = buffer.Segment;
            decoder.FeedStatusResponse(array, offset + 4, (int)length);
            buffer.Consume(4 + (int)length);
            afterRecord?.Invoke();
        }
    }

    /// <summary>A pooled, growable window over the stream: bytes read but not yet consumed.</summary>
    private sealed class ReadBuffer : IDisposable
    {
        private byte[] _array = ArrayPool<byte>.Shared.Rent(ReadSize * 2);
        private int _start;
        private int _end;

        public ReadOnlyMemory<byte> Data => _array.AsMemory(_start, _end - _start);

        public (byte[] Array, int Offset) Segment => (_array, _start);

        public void Consume(int count) => _start += count;

        public async ValueTask<int> FillAsync(Stream stream, int atLeastRoom, CancellationToken cancellationToken)
        {
            MakeRoom(atLeastRoom);
            int read = await stream.ReadAsync(_array.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            _end += read;
            return read;
        }

        /// <summary>Reads until <paramref name="count"/> unconsumed bytes are available; false at end of stream.</summary>
        public async ValueTask<bool> EnsureAsync(Stream stream, int count, CancellationToken cancellationToken)
        {
            while (_end - _start < count)
            {
                if (await FillAsync(stream, Math.Max(ReadSize, count - (_end - _start)), cancellationToken).ConfigureAwait(false) == 0)
                {
                    return false;
                }
            }
            return true;
        }

        private void MakeRoom(int room)
        {
            int used = _end - _start;
            if (_array.Length - _end >= room)
            {
                return;
            }

            if (_array.Length - used >= room && _start > 0)
            {
                Buffer.BlockCopy(_array, _start, _array, 0, used);
            }
            else
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, used + room));
                Buffer.BlockCopy(_array, _start, larger, 0, used);
                ArrayPool<byte>.Shared.Return(_array);
                _array = larger;
            }
            _start = 0;
            _end = used;
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_array);
    }
}
