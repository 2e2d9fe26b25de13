using System.Buffers.Binary;
using System.Text;
using BriocheJob.Diagnostics;

namespace BriocheJob.Brioche;

/// <summary>The decompressed wire format: magic, then <c>[kind u8][len u32 BE] body [kind u8][len u32 BE]</c> per event.</summary>
public static class ProcessEventsCodec
{
    /// <summary>The 32-byte magic: <c>brioche_process_events v0</c> and seven spaces.</summary>
    public static ReadOnlySpan<byte> Magic => "brioche_process_events v0       "u8;

    public const int MagicLength = 32;

    /// <summary>Length of a header or trailer marker.</summary>
    public const int MarkerLength = 5;

    /// <summary>The largest output chunk or exit message one event holds (1 MiB).</summary>
    public const int MaxChunkLength = 1_048_576;

    /// <summary>A sanity bound for the Description JSON, so a corrupt length cannot ask for gigabytes.</summary>
    public const int MaxDescriptionLength = 64 * 1024 * 1024;

    public static bool IsKnownKind(byte kind) => kind is >= 1 and <= 7;

    /// <summary>True when a marker's kind and length could belong to a valid event.</summary>
    public static bool IsPlausibleMarker(byte kind, uint length) => kind switch
    {
        1 => length is >= 2 and <= MaxDescriptionLength,
        2 or 5 or 6 => length == 8,
        3 or 4 or 7 => length is >= 5 and <= MaxChunkLength + 4,
        _ => false,
    };

    /// <summary>Throws BJ2001 unless the marker at <paramref name="offset"/> could start a valid event.</summary>
    public static void ValidateMarker(byte kind, uint length, long offset)
    {
        if (!IsKnownKind(kind))
        {
            throw Corrupt($"unknown event kind {kind} at decompressed offset {offset}");
        }
        if (!IsPlausibleMarker(kind, length))
        {
            throw Corrupt($"bad length {length} for a {(ProcessEventKind)kind} event at decompressed offset {offset}");
        }
    }

    /// <summary>Maps the zstd layer's own exception to BJ2004.</summary>
    internal static BriocheJobException CorruptZstd(BriocheJob.Zstd.ZstdDataException e) =>
        Catalog.Events.CorruptCompression.ExceptionFrom(e, e.ZstdError ?? e.Message);

    internal static BriocheJobException Corrupt(string message)
        => Catalog.Events.CorruptEvents.Exception(message);

    /// <summary>Decodes one event body whose marker was validated. Output bytes are copied.</summary>
    public static ProcessEvent DecodeBody(byte kind, ReadOnlySpan<byte> body, long offset)
    {
        if ((ProcessEventKind)kind == ProcessEventKind.Description)
        {
            var raw = body.ToArray();
            return new DescriptionEvent(ProcessDescription.Parse(raw), raw);
        }
        var elapsed = BinaryPrimitives.ReadUInt32BigEndian(body);
        var rest = body[4..];
        switch ((ProcessEventKind)kind)
        {
            case ProcessEventKind.Spawned:
                return new SpawnedEvent(elapsed, BinaryPrimitives.ReadUInt32BigEndian(rest));
            case ProcessEventKind.Stdout:
                return new StdoutEvent(elapsed, rest.ToArray());
            case ProcessEventKind.Stderr:
                return new StderrEvent(elapsed, rest.ToArray());
            case ProcessEventKind.Exited:
                return new ExitedEvent(elapsed, BinaryPrimitives.ReadInt32BigEndian(rest));
            case ProcessEventKind.ExitedWithSignal:
                return new ExitedWithSignalEvent(elapsed, BinaryPrimitives.ReadInt32BigEndian(rest));
            case ProcessEventKind.ExitedWithMessage:
                return new ExitedWithMessageEvent(elapsed, Encoding.UTF8.GetString(rest));
            default:
                throw Corrupt($"unknown event kind {kind} at decompressed offset {offset}");
        }
    }

    /// <summary>Encodes one event (header, body, trailer). Output chunks must be 1..1 MiB.</summary>
    public static byte[] Encode(ProcessEvent processEvent)
    {
        byte[] body;
        switch (processEvent)
        {
            case DescriptionEvent description:
                body = description.RawJson.Length > 0 ? description.RawJson.ToArray() : description.Description.ToJsonBytes();
                break;
            case SpawnedEvent spawned:
                body = TimedBody(spawned.ElapsedMilliseconds, 4);
                BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(4), spawned.Pid);
                break;
            case OutputEvent output:
                if (output.Data.Length is 0 or > MaxChunkLength)
                {
                    throw new ArgumentException($"an output chunk must hold 1..{MaxChunkLength} bytes, not {output.Data.Length}");
                }
                body = TimedBody(output.ElapsedMilliseconds, output.Data.Length);
                output.Data.Span.CopyTo(body.AsSpan(4));
                break;
            case ExitedEvent exited:
                body = TimedBody(exited.ElapsedMilliseconds, 4);
                BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(4), exited.ExitCode);
                break;
            case ExitedWithSignalEvent signalled:
                body = TimedBody(signalled.ElapsedMilliseconds, 4);
                BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(4), signalled.Signal);
                break;
            case ExitedWithMessageEvent message:
                var text = Encoding.UTF8.GetBytes(message.Message);
                if (text.Length is 0 or > MaxChunkLength)
                {
                    throw new ArgumentException($"an exit message must hold 1..{MaxChunkLength} bytes, not {text.Length}");
                }
                body = TimedBody(message.ElapsedMilliseconds, text.Length);
                text.CopyTo(body.AsSpan(4));
                break;
            default:
                throw new ArgumentException($"cannot encode {processEvent.GetType().Name}");
        }
        var encoded = new byte[body.Length + 2 * MarkerLength];
        WriteMarker(encoded, processEvent.Kind, body.Length);
        body.CopyTo(encoded.AsSpan(MarkerLength));
        WriteMarker(encoded.AsSpan(MarkerLength + body.Length), processEvent.Kind, body.Length);
        return encoded;
    }

    /// <summary>Bytes <see cref="EncodeOutput"/> writes for a chunk of <paramref name="dataLength"/> bytes.</summary>
    public static int EncodedOutputLength(int dataLength) => 4 + dataLength + 2 * MarkerLength;

    /// <summary>Encodes one output event into <paramref name="destination"/> without allocating; returns its length.</summary>
    public static int EncodeOutput(Span<byte> destination, ProcessEventKind kind, uint elapsed, ReadOnlySpan<byte> data)
    {
        if (data.Length is 0 or > MaxChunkLength || kind is not (ProcessEventKind.Stdout or ProcessEventKind.Stderr))
        {
            throw new ArgumentException($"an output chunk must hold 1..{MaxChunkLength} bytes, not {data.Length}");
        }

        int bodyLength = 4 + data.Length;
        WriteMarker(destination, kind, bodyLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination[MarkerLength..], elapsed);
        data.CopyTo(destination[(MarkerLength + 4)..]);
        WriteMarker(destination[(MarkerLength + bodyLength)..], kind, bodyLength);
        return bodyLength + 2 * MarkerLength;
    }

    private static byte[] TimedBody(uint elapsed, int extra)
    {
        var body = new byte[4 + extra];
        BinaryPrimitives.WriteUInt32BigEndian(body, elapsed);
        return body;
    }

    private static void WriteMarker(Span<byte> destination, ProcessEventKind kind, int length)
    {
        destination[0] = (byte)kind;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }
}
