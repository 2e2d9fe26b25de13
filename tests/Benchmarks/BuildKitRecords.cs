using System.Text;
using Google.Protobuf;

namespace Benchmarks;

/// <summary>
/// BuildKit progress records for the benchmarks' synthetic streams, written at wire level as the engine sends them
/// (StatusResponse: 1 vertexes, 3 logs; Vertex: 1 digest, 3 name, 5 started, 6 completed; VertexLog: 1 vertex,
/// 2 timestamp, 3 stream, 4 msg).
/// </summary>
internal static class BuildKitRecords
{
    /// <summary>A StatusResponse holding one VertexLog.</summary>
    public static byte[] LogRecord(string vertex, byte[] timestamp, long stream, byte[] data)
    {
        byte[] log = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(vertex);
            o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(timestamp));
            o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt64(stream);
            o.WriteTag(4, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(data));
        });
        return Message(o => { o.WriteTag(3, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(log)); });
    }

    /// <summary>A google.protobuf.Timestamp; the nanos field is written only when given.</summary>
    public static byte[] Timestamp(long seconds, int? nanos = null) => Message(t =>
    {
        t.WriteTag(1, WireFormat.WireType.Varint); t.WriteInt64(seconds);
        if (nanos is { } value)
        {
            t.WriteTag(2, WireFormat.WireType.Varint); t.WriteInt32(value);
        }
    });

    /// <summary>One line of the Engine API's <c>/build</c> body carrying a StatusResponse in <c>aux</c>.</summary>
    public static byte[] EngineJsonLine(byte[] statusResponse) =>
        Encoding.ASCII.GetBytes($"{{\"id\":\"moby.buildkit.trace\",\"aux\":\"{Convert.ToBase64String(statusResponse)}\"}}\n");

    public static byte[] Message(Action<CodedOutputStream> write)
    {
        var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        write(output);
        output.Flush();
        return buffer.ToArray();
    }
}
