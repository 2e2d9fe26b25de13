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
        var record = new InPlaceRecord();
        ParseInPlace(buffer, offset, length, record);
        return record.ToStatus(buffer);
    }

    public static BuildKitStatus Parse(byte[] buffer) => Parse(buffer, 0, buffer.Length);

    /// <summary>Where one VertexLog's parts lie in the record's buffer (absolute offsets).</summary>
    internal readonly record struct LogRef(int DigestStart, int DigestLength, DateTimeOffset? Timestamp, long Stream,
        int DataStart, int DataLength);

    internal delegate bool KnownVertexTest(ReadOnlySpan<byte> message);

    /// <summary>A byte range of the record's buffer.</summary>
    internal readonly record struct Span(int Start, int Length);

    /// <summary>One Vertex, its strings left in the buffer; its inputs are <see cref="InPlaceRecord.Inputs"/>[InputsStart..].</summary>
    internal readonly record struct VertexRef(Span Message, Span Digest, Span Name, int InputsStart, int InputsCount, bool Cached,
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

        /// <summary>
        /// Says whether a Vertex message (its bytes) would change nothing: such a message is checked and skipped, not
        /// read or returned. Asked only until the record's first message that is read, so that order is kept.
        /// </summary>
        public KnownVertexTest? IsKnownVertex { get; init; }

        /// <summary>The record as a <see cref="BuildKitStatus"/>: its strings and log chunks copied out of <paramref name="buffer"/>.</summary>
        public BuildKitStatus ToStatus(byte[] buffer)
        {
            string Text(Span span) => System.Text.Encoding.UTF8.GetString(buffer, span.Start, span.Length);

            var status = new BuildKitStatus();
            foreach (var vertex in Vertexes)
            {
                var decoded = new BuildKitVertex
                {
                    Digest = Text(vertex.Digest),
                    Name = Text(vertex.Name),
                    Cached = vertex.Cached,
                    Started = vertex.Started,
                    Completed = vertex.Completed,
                    Error = Text(vertex.Error),
                    ProgressGroup = vertex.ProgressGroup,
                };
                for (int i = 0; i < vertex.InputsCount; i++)
                {
                    decoded.Inputs.Add(Text(Inputs[vertex.InputsStart + i]));
                }

                status.Vertexes.Add(decoded);
            }

            foreach (var update in Statuses)
            {
                status.Statuses.Add(new BuildKitVertexStatus
                {
                    Id = Text(update.Id),
                    Vertex = Text(update.Vertex),
                    Name = Text(update.Name),
                    Current = update.Current,
                    Total = update.Total,
                    Timestamp = update.Timestamp,
                    Started = update.Started,
                    Completed = update.Completed,
                });
            }

            foreach (var log in Logs)
            {
                status.Logs.Add(new BuildKitVertexLog
                {
                    Vertex = Text(new Span(log.DigestStart, log.DigestLength)),
                    Timestamp = log.Timestamp,
                    Stream = log.Stream,
                    Data = buffer.AsSpan(log.DataStart, log.DataLength).ToArray(),
                });
            }

            status.Warnings.AddRange(Warnings);
            return status;
        }

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
    /// Reads one StatusResponse in place: strings and log chunks are located (<paramref name="record"/>), not copied.
    /// The whole record is checked before anything is returned; a corrupt record throws as <see cref="Parse(byte[], int, int)"/> says.
    /// </summary>
    internal static void ParseInPlace(byte[] buffer, int offset, int length, InPlaceRecord record)
    {
        var input = new CodedInputStream(buffer, offset, length);
        // Whether Position counts from the array or from offset, this maps it to an index into buffer.
        ReadRecord(input, input.Position + length, buffer, offset - input.Position, offset + length, record);
    }

    /// <summary>
    /// StatusResponses decoded one after another into one reused buffer and read by one CodedInputStream: a stream is
    /// made per buffer's worth of records, not per record. Each record is preceded by its length, so the stream reads
    /// it as the embedded messages inside it are read: the length fixes where it ends, and a field that runs past that
    /// end throws (reading on into the bytes after it, which are never returned). A record that throws leaves the
    /// stream's position unknown, so the next one starts a new stream.
    /// </summary>
    internal sealed class InPlaceStream
    {
        // Small enough to stay in cache as records are decoded into it one after another.
        private const int InitialBytes = 64 * 1024;
        // The length goes before the record as a varint of five bytes, whatever its value, so that the record can be
        // decoded first and its length written after.
        private const int PrefixBytes = 5;

        private byte[] _buffer = [];
        private CodedInputStream? _input;
        private long _origin;
        private int _next;

        /// <summary>The buffer records are decoded into (valid until the next <see cref="Reserve"/>).</summary>
        public byte[] Buffer => _buffer;

        /// <summary>Room for the next record, of up to <paramref name="maxLength"/> bytes, where the stream will read it.</summary>
        public Span<byte> Reserve(int maxLength)
        {
            if (_input is null || _buffer.Length - _next < PrefixBytes + maxLength)
            {
                if (_buffer.Length < PrefixBytes + maxLength)
                {
                    _buffer = new byte[Math.Max(PrefixBytes + maxLength, Math.Max(InitialBytes, 2 * _buffer.Length))];
                }

                _input = new CodedInputStream(_buffer);
                _origin = -_input.Position;
                _next = 0;
            }
            return _buffer.AsSpan(_next + PrefixBytes, maxLength);
        }

        /// <summary>Reads the <paramref name="length"/> bytes written at the last <see cref="Reserve"/> as one StatusResponse.</summary>
        public void Parse(int length, InPlaceRecord record)
        {
            System.Diagnostics.Debug.Assert(_input is not null, "Reserve comes before Parse.");
            var input = _input;
            int start = _next + PrefixBytes;
            var prefix = _buffer.AsSpan(_next, PrefixBytes);
            for (int i = 0; i < PrefixBytes - 1; i++)
            {
                prefix[i] = (byte)(((uint)length >> (7 * i)) & 0x7F | 0x80);
            }

            prefix[^1] = (byte)((uint)length >> 28);
            if (record.IsKnownVertex is { } known && IsOneKnownVertex(_buffer.AsSpan(start, length), known))
            {
                // Nothing to read: the next record is decoded over this one.
                record.Clear();
                return;
            }

            _input = null; // until the record is known to have been read cleanly
            try
            {
                long end = EnterMessage(input);
                ReadRecord(input, end, _buffer, _origin, start + length, record);
                LeaveMessage(input, end);
            }
            catch
            {
                // Read on its own, the record throws what it would alone (a field cut off by its end, say, rather
                // than one found to run past it).
                ParseInPlace(_buffer, start, length, record);
                throw;
            }
            _next = start + length;
            _input = input;
        }
    }

    /// <summary>
    /// Whether a record is one Vertex message and nothing else, and that message one that <paramref name="known"/>
    /// knows: byte for byte a message read before, so the record is well formed and changes nothing.
    /// </summary>
    private static bool IsOneKnownVertex(ReadOnlySpan<byte> record, KnownVertexTest known)
    {
        const byte VertexTag = (1 << 3) | (byte)WireFormat.WireType.LengthDelimited;
        return record.Length >= 2 && record[0] == VertexTag && LengthDelimited(record, 1) is { } message
            && message.Start + message.Length == record.Length && known(record.Slice(message.Start, message.Length));
    }

    /// <summary>
    /// The digest a Vertex message starts with, as BuildKit writes it (field 1 first); empty when the message does not
    /// start with a well-formed one.
    /// </summary>
    internal static ReadOnlySpan<byte> LeadingDigest(ReadOnlySpan<byte> vertexMessage)
    {
        const byte DigestTag = (1 << 3) | (byte)WireFormat.WireType.LengthDelimited;
        return vertexMessage.Length >= 2 && vertexMessage[0] == DigestTag && LengthDelimited(vertexMessage, 1) is { } digest
            ? vertexMessage.Slice(digest.Start, digest.Length)
            : default;
    }

    /// <summary>Reads the fields of one StatusResponse, up to the stream position <paramref name="end"/>.</summary>
    private static void ReadRecord(CodedInputStream input, long end, byte[] buffer, long origin, int recordEnd, InPlaceRecord record)
    {
        record.Clear();
        var isKnownVertex = record.IsKnownVertex;
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
            {
                input.SkipLastField();
                continue;
            }
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when isKnownVertex is not null && Peek(input, buffer, origin, recordEnd) is { } message
                    && isKnownVertex(buffer.AsSpan(message.Start, message.Length)):
                    input.SkipLastField();
                    break;
                case 1:
                    isKnownVertex = null;
                    record.Vertexes.Add(LocateVertex(input, buffer, origin, recordEnd, record.Inputs));
                    break;
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
        var message = new Span((int)(origin + input.Position), (int)(end - input.Position));
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
        return new VertexRef(message, digest, name, inputsStart, inputs.Count - inputsStart, cached, started, completed, error, group);
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
        var located = Peek(input, buffer, origin, recordEnd);
        input.SkipLastField(); // throws for a truncated length or field
        return located ?? throw new InvalidDataException("Bad length of a length-delimited field.");
    }

    /// <summary>The bytes of the length-delimited field just tagged, without reading them; null when its length is bad or runs past the record.</summary>
    private static Span? Peek(CodedInputStream input, byte[] buffer, long origin, int recordEnd) =>
        LengthDelimited(buffer.AsSpan(0, recordEnd), (int)(origin + input.Position));

    /// <summary>
    /// The content of the length-delimited field whose length (a varint) starts at <paramref name="at"/>; null when that
    /// length is cut off, takes more than five bytes or runs past the end of <paramref name="bytes"/>.
    /// </summary>
    private static Span? LengthDelimited(ReadOnlySpan<byte> bytes, int at)
    {
        ulong length = 0;
        for (int shift = 0; at < bytes.Length && shift < 35; shift += 7)
        {
            byte b = bytes[at++];
            length |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return length <= (ulong)(bytes.Length - at) ? new Span(at, (int)length) : null;
            }
        }

        return null;
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
