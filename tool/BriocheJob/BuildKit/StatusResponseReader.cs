using Google.Protobuf;

namespace BriocheJob.BuildKit;

/// <summary>
/// Reads a BuildKit StatusResponse at wire level (field numbers from control.proto), without generated classes.
/// Unknown fields of any wire type and known fields sent with an unexpected wire type are skipped.
/// </summary>
public static class StatusResponseReader
{
    /// <summary>Decodes one StatusResponse. Throws InvalidProtocolBufferException, InvalidDataException or (for a string that is not UTF-8) ArgumentException when the bytes are not one.</summary>
    public static BuildKitStatus Parse(byte[] buffer, int offset, int length)
    {
        var input = new CodedInputStream(buffer, offset, length);
        var status = new BuildKitStatus();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
            {
                input.SkipLastField();
                continue;
            }
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: status.Vertexes.Add(ReadVertex(input)); break;
                case 2: status.Statuses.Add(ReadVertexStatus(input)); break;
                case 3: status.Logs.Add(ReadVertexLog(input)); break;
                case 4: status.Warnings.Add(ReadVertexWarning(input)); break;
                default: input.SkipLastField(); break;
            }
        }
        return status;
    }

    public static BuildKitStatus Parse(byte[] buffer) => Parse(buffer, 0, buffer.Length);

    /// <summary>Where one VertexLog's parts lie in the record's buffer (absolute offsets).</summary>
    internal readonly record struct LogRef(int DigestStart, int DigestLength, DateTimeOffset? Timestamp, long Stream,
        int DataStart, int DataLength);

    /// <summary>A byte range of the record's buffer.</summary>
    internal readonly record struct Span(int Start, int Length);

    /// <summary>One Vertex, its strings left in the buffer; its inputs are <see cref="InPlaceRecord.Inputs"/>[InputsStart..].</summary>
    internal readonly record struct VertexRef(Span Digest, Span Name, int InputsStart, int InputsCount, bool Cached,
        DateTimeOffset? Started, DateTimeOffset? Completed, Span Error, BuildKitProgressGroup? ProgressGroup);

    /// <summary>One VertexStatus, its strings left in the buffer.</summary>
    internal readonly record struct StatusRef(Span Id, Span Vertex, Span Name, long Current, long Total,
        DateTimeOffset? Timestamp, DateTimeOffset? Started, DateTimeOffset? Completed);

    /// <summary>A StatusResponse read in place: reused from record to record, so reading one allocates almost nothing.</summary>
    internal sealed class InPlaceRecord
    {
        public List<VertexRef> Vertexes { get; } = [];
        public List<Span> Inputs { get; } = [];
        public List<StatusRef> Statuses { get; } = [];
        public List<LogRef> Logs { get; } = [];
        public List<BuildKitVertexWarning> Warnings { get; } = [];

        public void Clear()
        {
            Vertexes.Clear();
            Inputs.Clear();
            Statuses.Clear();
            Logs.Clear();
            Warnings.Clear();
        }
    }

    /// <summary>
    /// Like <see cref="Parse(byte[], int, int)"/>, but each VertexLog is only located (<paramref name="logs"/>), not copied.
    /// Returns the vertices, statuses and warnings, or null when the record has none. The whole record is checked
    /// before anything is returned, so a corrupt record throws as <see cref="Parse(byte[], int, int)"/> does.
    /// </summary>
    internal static void ParseInPlace(byte[] buffer, int offset, int length, InPlaceRecord record)
    {
        record.Clear();
        var input = new CodedInputStream(buffer, offset, length);
        // Whether Position counts from the array or from offset, this maps it to an index into buffer.
        long origin = offset - input.Position;
        int recordEnd = offset + length;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
            {
                input.SkipLastField();
                continue;
            }
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: record.Vertexes.Add(LocateVertex(input, buffer, origin, recordEnd, record.Inputs)); break;
                case 2: record.Statuses.Add(LocateVertexStatus(input, buffer, origin, recordEnd)); break;
                case 3: record.Logs.Add(LocateVertexLog(input, buffer, origin, recordEnd)); break;
                case 4: record.Warnings.Add(ReadVertexWarning(input)); break;
                default: input.SkipLastField(); break;
            }
        }
    }

    private static VertexRef LocateVertex(CodedInputStream input, byte[] buffer, long origin, int recordEnd, List<Span> inputs)
    {
        Span digest = default, name = default, error = default;
        int inputsStart = inputs.Count;
        bool cached = false;
        DateTimeOffset? started = null, completed = null;
        BuildKitProgressGroup? group = null;
        long end = EnterMessage(input);
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited): digest = Locate(input, buffer, origin, recordEnd); break;
                case (2, WireFormat.WireType.LengthDelimited): inputs.Add(Locate(input, buffer, origin, recordEnd)); break;
                case (3, WireFormat.WireType.LengthDelimited): name = Locate(input, buffer, origin, recordEnd); break;
                case (4, WireFormat.WireType.Varint): cached = input.ReadBool(); break;
                case (5, WireFormat.WireType.LengthDelimited): started = ReadTimestamp(input); break;
                case (6, WireFormat.WireType.LengthDelimited): completed = ReadTimestamp(input); break;
                case (7, WireFormat.WireType.LengthDelimited): error = Locate(input, buffer, origin, recordEnd); break;
                case (8, WireFormat.WireType.LengthDelimited): group = ReadProgressGroup(input); break;
                default: input.SkipLastField(); break;
            }
        }
        LeaveMessage(input, end);
        return new VertexRef(digest, name, inputsStart, inputs.Count - inputsStart, cached, started, completed, error, group);
    }

    private static StatusRef LocateVertexStatus(CodedInputStream input, byte[] buffer, long origin, int recordEnd)
    {
        Span id = default, vertex = default, name = default;
        long current = 0, total = 0;
        DateTimeOffset? timestamp = null, started = null, completed = null;
        long end = EnterMessage(input);
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited): id = Locate(input, buffer, origin, recordEnd); break;
                case (2, WireFormat.WireType.LengthDelimited): vertex = Locate(input, buffer, origin, recordEnd); break;
                case (3, WireFormat.WireType.LengthDelimited): name = Locate(input, buffer, origin, recordEnd); break;
                case (4, WireFormat.WireType.Varint): current = input.ReadInt64(); break;
                case (5, WireFormat.WireType.Varint): total = input.ReadInt64(); break;
                case (6, WireFormat.WireType.LengthDelimited): timestamp = ReadTimestamp(input); break;
                case (7, WireFormat.WireType.LengthDelimited): started = ReadTimestamp(input); break;
                case (8, WireFormat.WireType.LengthDelimited): completed = ReadTimestamp(input); break;
                default: input.SkipLastField(); break;
            }
        }
        LeaveMessage(input, end);
        return new StatusRef(id, vertex, name, current, total, timestamp, started, completed);
    }

    private static LogRef LocateVertexLog(CodedInputStream input, byte[] buffer, long origin, int recordEnd)
    {
        Span digest = default, data = default;
        DateTimeOffset? timestamp = null;
        long stream = 0;
        long end = EnterMessage(input);
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited): digest = Locate(input, buffer, origin, recordEnd); break;
                case (2, WireFormat.WireType.LengthDelimited): timestamp = ReadTimestamp(input); break;
                case (3, WireFormat.WireType.Varint): stream = input.ReadInt64(); break;
                case (4, WireFormat.WireType.LengthDelimited): data = Locate(input, buffer, origin, recordEnd); break;
                default: input.SkipLastField(); break;
            }
        }
        LeaveMessage(input, end);
        return new LogRef(digest.Start, digest.Length, timestamp, stream, data.Start, data.Length);
    }

    /// <summary>The bytes of the length-delimited field just tagged: read its length here, then let the stream skip it (which checks the bounds).</summary>
    private static Span Locate(CodedInputStream input, byte[] buffer, long origin, int recordEnd)
    {
        int at = (int)(origin + input.Position);
        ulong length = 0;
        int shift = 0;
        while (at < recordEnd && shift < 35)
        {
            byte b = buffer[at++];
            length |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                input.SkipLastField();
                return new Span(at, (int)length);
            }

            shift += 7;
        }

        input.SkipLastField(); // throws for a truncated length
        throw new InvalidDataException("Bad length of a length-delimited field.");
    }

    private static BuildKitVertex ReadVertex(CodedInputStream input)
    {
        var vertex = new BuildKitVertex();
        long end = EnterMessage(input);
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited): vertex.Digest = input.ReadString(); break;
                case (2, WireFormat.WireType.LengthDelimited): vertex.Inputs.Add(input.ReadString()); break;
                case (3, WireFormat.WireType.LengthDelimited): vertex.Name = input.ReadString(); break;
                case (4, WireFormat.WireType.Varint): vertex.Cached = input.ReadBool(); break;
                case (5, WireFormat.WireType.LengthDelimited): vertex.Started = ReadTimestamp(input); break;
                case (6, WireFormat.WireType.LengthDelimited): vertex.Completed = ReadTimestamp(input); break;
                case (7, WireFormat.WireType.LengthDelimited): vertex.Error = input.ReadString(); break;
                case (8, WireFormat.WireType.LengthDelimited): vertex.ProgressGroup = ReadProgressGroup(input); break;
                default: input.SkipLastField(); break;
            }
        }
        LeaveMessage(input, end);
        return vertex;
    }

    private static BuildKitProgressGroup ReadProgressGroup(CodedInputStream input)
    {
        string id = "", name = "";
        bool weak = false;
        long end = EnterMessage(input);
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited): id = input.ReadString(); break;
                case (2, WireFormat.WireType.LengthDelimited): name = input.ReadString(); break;
                case (3, WireFormat.WireType.Varint): weak = input.ReadBool(); break;
                default: input.SkipLastField(); break;
            }
        }
        LeaveMessage(input, end);
        return new BuildKitProgressGroup(id, name, weak);
    }

    private static BuildKitVertexStatus ReadVertexStatus(CodedInputStream input)
    {
        var status = new BuildKitVertexStatus();
        long end = EnterMessage(input);
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited): status.Id = input.ReadString(); break;
                case (2, WireFormat.WireType.LengthDelimited): status.Vertex = input.ReadString(); break;
                case (3, WireFormat.WireType.LengthDelimited): status.Name = input.ReadString(); break;
                case (4, WireFormat.WireType.Varint): status.Current = input.ReadInt64(); break;
                case (5, WireFormat.WireType.Varint): status.Total = input.ReadInt64(); break;
                case (6, WireFormat.WireType.LengthDelimited): status.Timestamp = ReadTimestamp(input); break;
                case (7, WireFormat.WireType.LengthDelimited): status.Started = ReadTimestamp(input); break;
                case (8, WireFormat.WireType.LengthDelimited): status.Completed = ReadTimestamp(input); break;
                default: input.SkipLastField(); break;
            }
        }
        LeaveMessage(input, end);
        return status;
    }

    private static BuildKitVertexLog ReadVertexLog(CodedInputStream input)
    {
        var log = new BuildKitVertexLog();
        long end = EnterMessage(input);
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited): log.Vertex = input.ReadString(); break;
                case (2, WireFormat.WireType.LengthDelimited): log.Timestamp = ReadTimestamp(input); break;
                case (3, WireFormat.WireType.Varint): log.Stream = input.ReadInt64(); break;
                case (4, WireFormat.WireType.LengthDelimited): log.Data = input.ReadBytes().ToByteArray(); break;
                default: input.SkipLastField(); break;
            }
        }
        LeaveMessage(input, end);
        return log;
    }

    private static BuildKitVertexWarning ReadVertexWarning(CodedInputStream input)
    {
        var warning = new BuildKitVertexWarning();
        long end = EnterMessage(input);
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited): warning.Vertex = input.ReadString(); break;
                case (2, WireFormat.WireType.Varint): warning.Level = input.ReadInt64(); break;
                case (3, WireFormat.WireType.LengthDelimited): warning.Short = input.ReadBytes().ToStringUtf8(); break;
                case (4, WireFormat.WireType.LengthDelimited): warning.Details.Add(input.ReadBytes().ToStringUtf8()); break;
                case (5, WireFormat.WireType.LengthDelimited): warning.Url = input.ReadString(); break;
                case (6, WireFormat.WireType.LengthDelimited): warning.SourceFile = ReadSourceInfoFileName(input); break;
                case (7, WireFormat.WireType.LengthDelimited):
                    var (start, stop) = ReadRange(input);
                    warning.StartLine ??= start;
                    warning.EndLine ??= stop;
                    break;
                default: input.SkipLastField(); break;
            }
        }
        LeaveMessage(input, end);
        return warning;
    }

    // SourceInfo: filename=1, data=2, definition=3, language=4. Only the file name is worth keeping here.
    private static string? ReadSourceInfoFileName(CodedInputStream input)
    {
        string? fileName = null;
        long end = EnterMessage(input);
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            if (tag == WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited))
            {
                fileName = input.ReadString();
            }
            else
            {
                input.SkipLastField();
            }
        }
        LeaveMessage(input, end);
        return fileName;
    }

    // Range: start=1, end=2, each a Position (line=1, character=2).
    private static (int? Start, int? End) ReadRange(CodedInputStream input)
    {
        int? start = null, stop = null;
        long end = EnterMessage(input);
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            if (tag == WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited))
            {
                start = ReadPositionLine(input);
            }
            else if (tag == WireFormat.MakeTag(2, WireFormat.WireType.LengthDelimited))
            {
                stop = ReadPositionLine(input);
            }
            else
            {
                input.SkipLastField();
            }
        }
        LeaveMessage(input, end);
        return (start, stop);
    }

    private static int ReadPositionLine(CodedInputStream input)
    {
        int line = 0;
        long end = EnterMessage(input);
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            if (tag == WireFormat.MakeTag(1, WireFormat.WireType.Varint))
            {
                line = input.ReadInt32();
            }
            else
            {
                input.SkipLastField();
            }
        }
        LeaveMessage(input, end);
        return line;
    }

    private static DateTimeOffset ReadTimestamp(CodedInputStream input)
    {
        long seconds = 0;
        int nanos = 0;
        long end = EnterMessage(input);
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (1, WireFormat.WireType.Varint): seconds = input.ReadInt64(); break;
                case (2, WireFormat.WireType.Varint): nanos = input.ReadInt32(); break;
                default: input.SkipLastField(); break;
            }
        }
        LeaveMessage(input, end);
        return BuildKitTime.FromUnix(seconds, nanos);
    }

    // Nested messages are read in place: the length fixes where the message ends, and a field that runs
    // past that end means the record is corrupt.
    private static long EnterMessage(CodedInputStream input)
    {
        int length = input.ReadLength();
        if (length < 0)
        {
            throw new InvalidDataException("Negative length of an embedded message.");
        }

        return input.Position + length;
    }

    private static void LeaveMessage(CodedInputStream input, long end)
    {
        if (input.Position != end)
        {
            throw new InvalidDataException("A field runs past the end of its embedded message.");
        }
    }
}
