using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using BriocheJob.BuildKit;
using Google.Protobuf;

namespace BriocheJob.Tests.BuildKit;

/// <summary>Real captured engine streams, and encoders that re-express decoded data in the other two encodings.</summary>
internal static class TraceTestData
{
    // The captures live next to this file; found through the compiler's path rather than copied to the output.
    public static string DataPath(string fileName, [CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "data", fileName);

    public static byte[] Read(string fileName) => File.ReadAllBytes(DataPath(fileName));

    /// <summary>The StatusResponses carried by an engine stream's moby.buildkit.trace lines, in order.</summary>
    public static List<byte[]> TraceAuxPayloads(string fileName)
    {
        var payloads = new List<byte[]>();
        foreach (string line in File.ReadLines(DataPath(fileName)))
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.TryGetProperty("id", out var id) && id.GetString() == "moby.buildkit.trace")
            {
                payloads.Add(document.RootElement.GetProperty("aux").GetBytesFromBase64());
            }
        }
        return payloads;
    }

    public static BuildTrace Decode(byte[] input, TraceEncoding encoding = TraceEncoding.Auto, IBuildTraceObserver? observer = null) =>
        BuildKitTrace.DecodeAsync(new MemoryStream(input), encoding, observer).GetAwaiter().GetResult();

    public static string EngineLine(byte[] statusResponse) =>
        $"{{\"id\":\"moby.buildkit.trace\",\"aux\":\"{Convert.ToBase64String(statusResponse)}\"}}";

    // ---- protobuf (history blob) encoding, written with CodedOutputStream ----

    public static byte[] HistoryBlob(IEnumerable<BuildKitStatus> statuses)
    {
        var output = new MemoryStream();
        Span<byte> prefix = stackalloc byte[4];
        foreach (var status in statuses)
        {
            byte[] record = EncodeStatusResponse(status);
            BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)record.Length);
            output.Write(prefix);
            output.Write(record);
        }
        return output.ToArray();
    }

    public static byte[] EncodeStatusResponse(BuildKitStatus status) => Message(o =>
    {
        foreach (var v in status.Vertexes)
        {
            Nested(o, 1, EncodeVertex(v));
        }

        foreach (var s in status.Statuses)
        {
            Nested(o, 2, EncodeVertexStatus(s));
        }

        foreach (var l in status.Logs)
        {
            Nested(o, 3, EncodeLog(l));
        }

        foreach (var w in status.Warnings)
        {
            Nested(o, 4, EncodeWarning(w));
        }
    });

    public static byte[] EncodeVertex(BuildKitVertex v) => Message(o =>
    {
        String(o, 1, v.Digest);
        foreach (var input in v.Inputs) { o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteString(input); }
        String(o, 3, v.Name);
        if (v.Cached) { o.WriteTag(4, WireFormat.WireType.Varint); o.WriteBool(true); }
        Time(o, 5, v.Started);
        Time(o, 6, v.Completed);
        String(o, 7, v.Error);
        if (v.ProgressGroup is { } group)
        {
            Nested(o, 8, Message(g =>
            {
                String(g, 1, group.Id);
                String(g, 2, group.Name);
                if (group.Weak) { g.WriteTag(3, WireFormat.WireType.Varint); g.WriteBool(true); }
            }));
        }
    });

    public static byte[] EncodeVertexStatus(BuildKitVertexStatus s) => Message(o =>
    {
        String(o, 1, s.Id);
        String(o, 2, s.Vertex);
        String(o, 3, s.Name);
        if (s.Current != 0) { o.WriteTag(4, WireFormat.WireType.Varint); o.WriteInt64(s.Current); }
        if (s.Total != 0) { o.WriteTag(5, WireFormat.WireType.Varint); o.WriteInt64(s.Total); }
        Time(o, 6, s.Timestamp);
        Time(o, 7, s.Started);
        Time(o, 8, s.Completed);
    });

    public static byte[] EncodeLog(BuildKitVertexLog l) => Message(o =>
    {
        String(o, 1, l.Vertex);
        Time(o, 2, l.Timestamp);
        if (l.Stream != 0) { o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt64(l.Stream); }
        if (l.Data.Length > 0) { o.WriteTag(4, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(l.Data)); }
    });

    public static byte[] EncodeWarning(BuildKitVertexWarning w) => Message(o =>
    {
        String(o, 1, w.Vertex);
        if (w.Level != 0) { o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt64(w.Level); }
        String(o, 3, w.Short);
        foreach (var d in w.Details)
        {
            String(o, 4, d);
        }

        String(o, 5, w.Url);
        if (w.SourceFile is not null)
        {
            Nested(o, 6, Message(s => { String(s, 1, w.SourceFile); String(s, 2, "FROM busybox\n"); }));
        }

        if (w.StartLine is { } line)
        {
            Nested(o, 7, Message(r =>
            {
                Nested(r, 1, Message(p => { p.WriteTag(1, WireFormat.WireType.Varint); p.WriteInt32(line); }));
                Nested(r, 2, Message(p => { p.WriteTag(1, WireFormat.WireType.Varint); p.WriteInt32(w.EndLine ?? line); }));
            }));
        }
    });

    public static byte[] Message(Action<CodedOutputStream> write)
    {
        var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        write(output);
        output.Flush();
        return buffer.ToArray();
    }

    public static void Nested(CodedOutputStream output, int field, byte[] message)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(message));
    }

    private static void String(CodedOutputStream output, int field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }

    private static void Time(CodedOutputStream output, int field, DateTimeOffset? time)
    {
        if (time is not { } t)
        {
            return;
        }

        long ticks = (t - DateTimeOffset.UnixEpoch).Ticks;
        Nested(output, field, Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt64(ticks / TimeSpan.TicksPerSecond);
            o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt32((int)(ticks % TimeSpan.TicksPerSecond * 100));
        }));
    }

    // ---- buildx --progress=rawjson encoding, shaped like client.SolveStatus ----

    public static string RawJsonLine(BuildKitStatus status)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (status.Vertexes.Count > 0)
            {
                json.WriteStartArray("vertexes");
                foreach (var v in status.Vertexes)
                {
                    json.WriteStartObject();
                    json.WriteString("digest", v.Digest);
                    if (v.Inputs.Count > 0)
                    {
                        json.WriteStartArray("inputs");
                        foreach (var input in v.Inputs)
                        {
                            json.WriteStringValue(input);
                        }

                        json.WriteEndArray();
                    }
                    if (v.Name.Length > 0)
                    {
                        json.WriteString("name", v.Name);
                    }

                    WriteTime(json, "started", v.Started);
                    WriteTime(json, "completed", v.Completed);
                    if (v.Cached)
                    {
                        json.WriteBoolean("cached", true);
                    }

                    if (v.Error.Length > 0)
                    {
                        json.WriteString("error", v.Error);
                    }

                    if (v.ProgressGroup is { } g)
                    {
                        json.WriteStartObject("progressGroup");
                        json.WriteString("id", g.Id);
                        json.WriteString("name", g.Name);
                        if (g.Weak)
                        {
                            json.WriteBoolean("weak", true);
                        }

                        json.WriteEndObject();
                    }
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            if (status.Statuses.Count > 0)
            {
                json.WriteStartArray("statuses");
                foreach (var s in status.Statuses)
                {
                    json.WriteStartObject();
                    json.WriteString("id", s.Id);
                    json.WriteString("vertex", s.Vertex);
                    if (s.Name.Length > 0)
                    {
                        json.WriteString("name", s.Name);
                    }

                    if (s.Total != 0)
                    {
                        json.WriteNumber("total", s.Total);
                    }

                    if (s.Current != 0)
                    {
                        json.WriteNumber("current", s.Current);
                    }
                    // Go writes a zero time.Time for an unset timestamp.
                    json.WriteString("timestamp", s.Timestamp is { } ts ? GoTime(ts) : "0001-01-01T00:00:00Z");
                    WriteTime(json, "started", s.Started);
                    WriteTime(json, "completed", s.Completed);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            if (status.Logs.Count > 0)
            {
                json.WriteStartArray("logs");
                foreach (var l in status.Logs)
                {
                    json.WriteStartObject();
                    json.WriteString("vertex", l.Vertex);
                    json.WriteNumber("stream", l.Stream);
                    json.WriteBase64String("data", l.Data);
                    json.WriteString("timestamp", l.Timestamp is { } ts ? GoTime(ts) : "0001-01-01T00:00:00Z");
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            if (status.Warnings.Count > 0)
            {
                json.WriteStartArray("warnings");
                foreach (var w in status.Warnings)
                {
                    json.WriteStartObject();
                    json.WriteString("vertex", w.Vertex);
                    json.WriteNumber("level", w.Level);
                    json.WriteBase64String("short", Encoding.UTF8.GetBytes(w.Short));
                    json.WriteStartArray("detail");
                    foreach (var d in w.Details)
                    {
                        json.WriteBase64StringValue(Encoding.UTF8.GetBytes(d));
                    }

                    json.WriteEndArray();
                    if (w.Url.Length > 0)
                    {
                        json.WriteString("url", w.Url);
                    }

                    if (w.SourceFile is not null)
                    {
                        json.WriteStartObject("sourceInfo");
                        json.WriteString("filename", w.SourceFile);
                        json.WriteEndObject();
                    }
                    if (w.StartLine is { } line)
                    {
                        json.WriteStartArray("range");
                        json.WriteStartObject();
                        json.WriteStartObject("start"); json.WriteNumber("line", line); json.WriteEndObject();
                        json.WriteStartObject("end"); json.WriteNumber("line", w.EndLine ?? line); json.WriteEndObject();
                        json.WriteEndObject();
                        json.WriteEndArray();
                    }
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            json.WriteString(name, GoTime(t));
        }
    }

    // RFC 3339 with nine fractional digits, as Go's time.RFC3339Nano writes a full-precision time.
    public static string GoTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture);
}

/// <summary>Records every observer call as a readable event string.</summary>
internal sealed class RecordingObserver : IBuildTraceObserver
{
    public List<string> Events { get; } = [];

    public void OnVertexAdded(TraceVertex vertex) => Events.Add($"added {vertex.Name}");
    public void OnVertexStarted(TraceVertex vertex) => Events.Add($"started {vertex.Name}");
    public void OnVertexCached(TraceVertex vertex) => Events.Add($"cached {vertex.Name}");
    public void OnVertexFailed(TraceVertex vertex) => Events.Add($"failed {vertex.Name}: {vertex.Error}");
    public void OnVertexCompleted(TraceVertex vertex) => Events.Add($"completed {vertex.Name}");
    public void OnLogLine(TraceVertex vertex, TraceLogLine line) => Events.Add($"line {vertex.Name} {line.Stream}: {line.Text}");
    public void OnWarning(TraceWarning warning) => Events.Add($"warning {warning.Short}");
    public void OnBuildMessage(string message) => Events.Add($"message {message.TrimEnd()}");
    public void OnBuildError(string message) => Events.Add($"error {message}");
    public void OnImageId(string imageId) => Events.Add($"image {imageId}");
    public void OnMalformedRecord(MalformedRecordKind kind, string reason) => Events.Add($"malformed {kind}");
}
