using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;

namespace BriocheJob.BuildKit;

/// <summary>
/// Streaming state of one BuildKit progress trace. Feed it records one at a time (a JSON line or a
/// StatusResponse); it merges vertices by digest, reassembles log lines and tells the observer as things happen.
/// A malformed record is counted in <see cref="Malformed"/> and skipped: feeding never throws for bad input.
/// Not thread-safe: feed from one thread at a time.
/// </summary>
public sealed class BuildKitTraceDecoder
{
    private const string TraceAuxId = "moby.buildkit.trace";
    private const string ImageAuxId = "moby.image.id";

    private readonly IBuildTraceObserver? _observer;
    private readonly Dictionary<string, TraceVertex> _byDigest = new(StringComparer.Ordinal);
    private readonly List<TraceVertex> _vertices = [];
    private readonly List<TraceWarning> _warnings = [];
    private readonly List<string> _messages = [];
    private readonly List<TraceLogLine> _completedLines = [];
    private readonly StatusResponseReader.InPlaceRecord _record;
    private readonly TraceLogRetention _retention;
    private readonly StatusResponseReader.InPlaceStream _auxes = new();
    // The same vertices by the bytes their digest came in (also under any other spelling that decoded to the same string).
    private readonly Dictionary<byte[], TraceVertex> _byDigestUtf8 = new(Utf8KeyComparer.Instance);
    private readonly Dictionary<byte[], TraceVertex>.AlternateLookup<ReadOnlySpan<byte>> _byDigestBytes;
    private long _recordNumber;
    private bool _finished;
    private bool _jsonKindKnown;

    /// <param name="retention">
    /// <see cref="TraceLogRetention.All"/> keeps every byte and line of each step; <see cref="TraceLogRetention.Tail"/>
    /// keeps a bounded tail and hands the bytes only to <see cref="IBuildTraceObserver.OnLogChunk"/> (memory that does
    /// not grow with the log).
    /// </param>
    public BuildKitTraceDecoder(IBuildTraceObserver? observer = null, TraceLogRetention retention = TraceLogRetention.All)
    {
        _observer = observer;
        _retention = retention;
        _byDigestBytes = _byDigestUtf8.GetAlternateLookup<ReadOnlySpan<byte>>();
        _record = new StatusResponseReader.InPlaceRecord { IsKnownVertex = IsKnownVertex };
    }

    public TraceLogRetention Retention => _retention;

    public IReadOnlyList<TraceVertex> Vertices => _vertices;

    public IReadOnlyList<TraceWarning> Warnings => _warnings;

    public IReadOnlyList<string> Messages => _messages;

    public string? BuildError { get; private set; }

    public string? ImageId { get; private set; }

    public long DecodedRecords { get; private set; }

    public MalformedCounts Malformed { get; } = new();

    /// <summary>
    /// What the input turned out to be: <see cref="TraceEncoding.JsonLines"/> for an engine stream,
    /// <see cref="TraceEncoding.RawJson"/> when the first JSON line is a SolveStatus, or <see cref="TraceEncoding.HistoryBlob"/>.
    /// </summary>
    public TraceEncoding Encoding { get; internal set; } = TraceEncoding.Auto;

    public TraceVertex? FindVertex(string digest) => _byDigest.GetValueOrDefault(digest);

    /// <summary>Feeds one JSON line, Docker Engine <c>/build</c> output or buildx rawjson (told apart by its keys).</summary>
    public void FeedJsonLine(ReadOnlySpan<byte> utf8Line)
    {
        utf8Line = TrimWhiteSpace(utf8Line);
        if (utf8Line.IsEmpty)
        {
            return;
        }

        _recordNumber++;
        if (TryReadEngineTraceLine(utf8Line))
        {
            return;
        }

        try
        {
            ReadJsonObject(utf8Line);
        }
        catch (JsonException ex)
        {
            Skip(MalformedRecordKind.Json, $"not a JSON object ({FirstLine(ex.Message)})");
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader's typed getters throw this for a value of the wrong JSON type.
            Skip(MalformedRecordKind.Json, $"unexpected JSON value ({FirstLine(ex.Message)})");
        }
    }

    public void FeedJsonLine(string line)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(line.Length));
        try
        {
            int length = System.Text.Encoding.UTF8.GetBytes(line, rented);
            FeedJsonLine(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Feeds one line of <c>docker buildx build --progress=rawjson</c> output (a client.SolveStatus).</summary>
    public void FeedRawJsonLine(ReadOnlySpan<byte> utf8Line)
    {
        utf8Line = TrimWhiteSpace(utf8Line);
        if (utf8Line.IsEmpty)
        {
            return;
        }

        _recordNumber++;
        ReadRawJson(utf8Line);
    }

    // Lines mostly come without white space around them: look at the ends before searching.
    private static ReadOnlySpan<byte> TrimWhiteSpace(ReadOnlySpan<byte> line) =>
        !line.IsEmpty && !IsWhiteSpace(line[0]) && !IsWhiteSpace(line[^1]) ? line : line.Trim(" \t\r\n"u8);

    /// <summary>JSON's white space between tokens.</summary>
    internal static bool IsWhiteSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>Feeds one serialized StatusResponse (a history blob record, or a decoded trace aux).</summary>
    public void FeedStatusResponse(byte[] buffer, int offset, int length)
    {
        _recordNumber++;
        ReadStatusResponse(buffer, offset, length);
    }

    public void FeedStatusResponse(ReadOnlySpan<byte> statusResponse)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(statusResponse.Length);
        try
        {
            statusResponse.CopyTo(rented);
            FeedStatusResponse(rented, 0, statusResponse.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Applies an already decoded status (e.g. from another source) as one record.</summary>
    public void Apply(BuildKitStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        foreach (var vertex in status.Vertexes)
        {
            ApplyVertex(vertex);
        }

        foreach (var vertexStatus in status.Statuses)
        {
            ApplyStatus(vertexStatus);
        }

        foreach (var log in status.Logs)
        {
            ApplyLog(log);
        }

        foreach (var warning in status.Warnings)
        {
            ApplyWarning(warning);
        }
    }

    /// <summary>Records a framing problem found by a reader above this decoder (e.g. a truncated length-prefixed record).</summary>
    public void ReportMalformed(MalformedRecordKind kind, string reason)
    {
        _recordNumber++;
        Skip(kind, reason);
    }

    /// <summary>
    /// Ends the trace: each step's unfinished last line becomes a line of its own. Idempotent.
    /// Returns the final result; the decoder should not be fed afterwards.
    /// </summary>
    public BuildTrace Finish()
    {
        if (!_finished)
        {
            _finished = true;
            foreach (var vertex in _vertices)
            {
                vertex.Finished = true;
                if (vertex.Tail is null)
                {
                    FlushPartial(vertex, vertex.StdoutBuffer);
                    FlushPartial(vertex, vertex.StderrBuffer);
                }
            }
        }
        return new BuildTrace(_vertices, _warnings, _messages, BuildError, ImageId, DecodedRecords, Malformed,
            Encoding);
    }

    // Kept out of the engine trace line's path: its frame (a Utf8JsonReader and the line's fields) is cleared on entry.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void ReadJsonObject(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            Skip(MalformedRecordKind.Json, "not a JSON object");
            return;
        }

        // The id is only compared, never made a string: most lines are trace auxes.
        JsonLineId id = JsonLineId.None;
        string? auxImageId = null, stream = null, statusText = null, error = null, errorDetail = null;
        bool hasAux = false;
        int auxLength = 0;
        bool auxBase64Bad = false;
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        id = reader.ValueTextEquals(TraceAuxIdUtf8) ? JsonLineId.Trace
                            : reader.ValueTextEquals(ImageAuxIdUtf8) ? JsonLineId.Image
                            : JsonLineId.Other;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("aux"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        auxBase64Bad = !TryDecodeBase64(ref reader, _auxes, out auxLength);
                        hasAux = !auxBase64Bad;
                    }
                    else if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        auxImageId = ReadStringProperty(ref reader, "ID"u8);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (IsRawJsonKey(ref reader))
                {
                    NoteJsonKind(TraceEncoding.RawJson);
                    ReadRawJson(line);
                    return;
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    stream = ReadOptionalString(ref reader);
                }
                else if (reader.ValueTextEquals("status"u8))
                {
                    statusText = ReadOptionalString(ref reader);
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    error = ReadOptionalString(ref reader);
                }
                else if (reader.ValueTextEquals("errorDetail"u8))
                {
                    reader.Read();
                    errorDetail = reader.TokenType == JsonTokenType.StartObject
                        ? ReadStringProperty(ref reader, "message"u8)
                        : SkipValue(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                Skip(MalformedRecordKind.Json, "not a single JSON object");
                return;
            }

            NoteJsonKind(TraceEncoding.JsonLines);
            if (id == JsonLineId.Trace && auxBase64Bad)
            {
                Skip(MalformedRecordKind.Base64, "bad base64 in a moby.buildkit.trace aux");
                return;
            }
            if (id == JsonLineId.Trace && hasAux)
            {
                ReadTraceAux(auxLength);
                return;
            }

            DecodedRecords++;
            if (id == JsonLineId.Image && !string.IsNullOrEmpty(auxImageId))
            {
                ImageId = auxImageId;
                _observer?.OnImageId(auxImageId);
            }
            if (!string.IsNullOrEmpty(stream))
            {
                AddMessage(stream);
            }

            if (!string.IsNullOrEmpty(statusText))
            {
                AddMessage(statusText);
            }

            string? buildError = errorDetail ?? error;
            if (!string.IsNullOrEmpty(buildError) && BuildError is null)
            {
                BuildError = buildError;
                _observer?.OnBuildError(buildError);
            }
        }
    }

    /// <summary>
    /// A trace line exactly as the engine writes it, <c>{"id":"moby.buildkit.trace","aux":"…"}</c>, is read by its
    /// bytes: between the two fixed ends only base64 characters can decode, and when every one of them did (no
    /// quote, escape or white space in between) the line is that JSON object and nothing else. Any other line, or
    /// one whose aux does not decode cleanly, goes to <see cref="Utf8JsonReader"/> as before.
    /// </summary>
    private bool TryReadEngineTraceLine(ReadOnlySpan<byte> line)
    {
        var head = "{\"id\":\"moby.buildkit.trace\",\"aux\":\""u8;
        var tail = "\"}"u8;
        if (line.Length < head.Length + tail.Length || !line.StartsWith(head) || !line.EndsWith(tail))
        {
            return false;
        }

        var encoded = line[head.Length..^tail.Length];
        if (encoded.Length % 4 != 0)
        {
            return false;
        }

        // Base64.DecodeFromUtf8 skips white space, which JSON would refuse (control characters) or keep in the
        // string: only a decode of every byte, with no white space skipped, gives exactly the decoded length.
        int padding = encoded.EndsWith("=="u8) ? 2 : encoded.EndsWith("="u8) ? 1 : 0;
        int expected = encoded.Length / 4 * 3 - padding;
        if (Base64.DecodeFromUtf8(encoded, _auxes.Reserve(encoded.Length / 4 * 3), out _, out int length) != OperationStatus.Done
            || length != expected)
        {
            return false;
        }

        NoteJsonKind(TraceEncoding.JsonLines);
        ReadTraceAux(length);
        return true;
    }

    private enum JsonLineId { None, Trace, Image, Other }

    private static ReadOnlySpan<byte> TraceAuxIdUtf8 => "moby.buildkit.trace"u8;

    private static ReadOnlySpan<byte> ImageAuxIdUtf8 => "moby.image.id"u8;

    // The first well-formed JSON line says whether this is an engine stream or buildx rawjson.
    private void NoteJsonKind(TraceEncoding kind)
    {
        if (_jsonKindKnown)
        {
            return;
        }

        _jsonKindKnown = true;
        if (Encoding is TraceEncoding.Auto or TraceEncoding.JsonLines)
        {
            Encoding = kind;
        }
    }

    private void AddMessage(string message)
    {
        _messages.Add(message);
        _observer?.OnBuildMessage(message);
    }

    private static bool IsRawJsonKey(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("vertexes"u8) || reader.ValueTextEquals("Vertexes"u8)
        || reader.ValueTextEquals("statuses"u8) || reader.ValueTextEquals("Statuses"u8)
        || reader.ValueTextEquals("logs"u8) || reader.ValueTextEquals("Logs"u8)
        || reader.ValueTextEquals("warnings"u8) || reader.ValueTextEquals("Warnings"u8);

    /// <summary>Decodes the string value into the next record's room in <paramref name="auxes"/>.</summary>
    private static bool TryDecodeBase64(ref Utf8JsonReader reader, StatusResponseReader.InPlaceStream auxes, out int length)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            var encoded = reader.ValueSpan;
            if (Base64.DecodeFromUtf8(encoded, auxes.Reserve(Base64.GetMaxDecodedFromUtf8Length(encoded.Length)), out _, out length)
                == OperationStatus.Done)
            {
                return true;
            }
        }
        else
        {
            string text = reader.GetString()!;
            if (Convert.TryFromBase64String(text, auxes.Reserve(text.Length * 3 / 4 + 3), out length))
            {
                return true;
            }
        }
        length = 0;
        return false;
    }

    private static string? ReadOptionalString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.String ? reader.GetString() : SkipValue(ref reader);
    }

    private static string? SkipValue(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    /// <summary>Reads a string property of the object the reader is at the start of, skipping the rest of it.</summary>
    private static string? ReadStringProperty(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        string? value = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool wanted = reader.ValueTextEquals(name);
            reader.Read();
            if (wanted && reader.TokenType == JsonTokenType.String)
            {
                value = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }
        return value;
    }

    private void ReadRawJson(ReadOnlySpan<byte> line)
    {
        BuildKitStatus status;
        try
        {
            status = RawJsonStatusReader.Parse(line);
        }
        catch (JsonException ex)
        {
            Skip(MalformedRecordKind.Json, $"not a SolveStatus JSON object ({FirstLine(ex.Message)})");
            return;
        }
        catch (FormatException ex)
        {
            Skip(MalformedRecordKind.Base64, $"bad base64 in a SolveStatus ({FirstLine(ex.Message)})");
            return;
        }
        catch (InvalidOperationException ex)
        {
            Skip(MalformedRecordKind.Json, $"unexpected JSON value in a SolveStatus ({FirstLine(ex.Message)})");
            return;
        }
        DecodedRecords++;
        Apply(status);
    }

    private void ReadStatusResponse(byte[] buffer, int offset, int length)
    {
        try
        {
            // Read in place: strings and log chunks stay in the buffer until they are known to be new.
            StatusResponseReader.ParseInPlace(buffer, offset, length, _record);
        }
        catch (Exception ex) when (IsNotAStatusResponse(ex))
        {
            SkipNotAStatusResponse(ex);
            return;
        }
        ApplyRecord(buffer);
    }

    /// <summary>Reads the trace aux just decoded into <see cref="_auxes"/>.</summary>
    private void ReadTraceAux(int length)
    {
        try
        {
            _auxes.Parse(length, _record);
        }
        catch (Exception ex) when (IsNotAStatusResponse(ex))
        {
            SkipNotAStatusResponse(ex);
            return;
        }
        ApplyRecord(_auxes.Buffer);
    }

    // Google.Protobuf throws InvalidOperationException ("SkipLastField cannot be called at the end of a stream") for
    // a field tag cut off at the record's end; 3.25 replaces bad UTF-8, but a strict decoder would throw
    // DecoderFallbackException (an ArgumentException).
    private static bool IsNotAStatusResponse(Exception ex) =>
        ex is InvalidProtocolBufferException or InvalidDataException or InvalidOperationException or ArgumentException;

    private void SkipNotAStatusResponse(Exception ex) => Skip(MalformedRecordKind.Protobuf, ex is ArgumentException
        ? $"bad string in a StatusResponse ({FirstLine(ex.Message)})"
        : $"not a StatusResponse ({FirstLine(ex.Message)})");

    /// <summary>Applies the record just read into <see cref="_record"/>, whose parts lie in <paramref name="buffer"/>.</summary>
    private void ApplyRecord(byte[] buffer)
    {
        var record = _record;
        DecodedRecords++;
        // By reference: the parts are structs of several fields each.
        foreach (ref readonly var vertex in CollectionsMarshal.AsSpan(record.Vertexes))
        {
            ApplyVertex(buffer, vertex);
        }

        foreach (ref readonly var vertexStatus in CollectionsMarshal.AsSpan(record.Statuses))
        {
            ApplyStatus(buffer, vertexStatus);
        }

        foreach (ref readonly var log in CollectionsMarshal.AsSpan(record.Logs))
        {
            var digest = buffer.AsSpan(log.DigestStart, log.DigestLength);
            if (!digest.IsEmpty)
            {
                ApplyLog(FindVertex(digest), log.Stream, log.Timestamp, buffer.AsSpan(log.DataStart, log.DataLength));
            }
        }

        foreach (var warning in record.Warnings)
        {
            ApplyWarning(warning);
        }
    }

    private void ApplyVertex(byte[] buffer, in StatusResponseReader.VertexRef update)
    {
        var digest = buffer.AsSpan(update.Digest.Start, update.Digest.Length);
        if (digest.IsEmpty)
        {
            return;
        }

        var vertex = FindVertex(digest);
        var before = VertexState.Of(vertex);
        bool changed = !vertex.Announced;
        vertex.Announced = true;
        if (update.Name.Length > 0)
        {
            changed |= vertex.SetName(buffer.AsSpan(update.Name.Start, update.Name.Length));
        }

        if (update.InputsCount > 0)
        {
            changed |= vertex.SetInputs(buffer, _record.Inputs, update.InputsStart, update.InputsCount);
        }

        if (update.ProgressGroup is not null)
        {
            changed |= update.ProgressGroup != vertex.ProgressGroup;
            vertex.ProgressGroup = update.ProgressGroup;
        }

        changed |= MergeTimes(vertex, update.Started, update.Completed);
        changed |= update.Cached && !vertex.Cached;
        vertex.Cached |= update.Cached;
        if (update.Error.Length > 0)
        {
            changed |= vertex.SetError(buffer.AsSpan(update.Error.Start, update.Error.Length));
        }

        vertex.NoteVertexMessage(buffer.AsSpan(update.Message.Start, update.Message.Length), changed);
        NotifyVertex(vertex, before);
    }

    private void ApplyStatus(byte[] buffer, in StatusResponseReader.StatusRef update)
    {
        var digest = buffer.AsSpan(update.Vertex.Start, update.Vertex.Length);
        if (digest.IsEmpty)
        {
            return;
        }

        var vertex = FindVertex(digest);
        var id = buffer.AsSpan(update.Id.Start, update.Id.Length);
        TraceStatus? status = null;
        foreach (var existing in vertex.MutableStatuses)
        {
            if (existing.IdUtf8 is { } known && id.SequenceEqual(known))
            {
                status = existing;
                break;
            }
        }

        if (status is null)
        {
            string idText = System.Text.Encoding.UTF8.GetString(id);
            status = FindStatus(vertex, idText) ?? AddStatus(vertex, new TraceStatus(idText, id.ToArray()));
        }

        if (update.Name.Length > 0)
        {
            status.SetName(buffer.AsSpan(update.Name.Start, update.Name.Length));
        }

        MergeStatus(status, update.Current, update.Total, update.Timestamp, update.Started, update.Completed);
    }

    private TraceVertex FindVertex(ReadOnlySpan<byte> digestUtf8)
    {
        if (_byDigestBytes.TryGetValue(digestUtf8, out var vertex))
        {
            return vertex;
        }

        vertex = GetOrAddVertex(System.Text.Encoding.UTF8.GetString(digestUtf8));
        // Usually already added under these bytes; a spelling that decoded to the same string (bad UTF-8) is added too.
        _byDigestBytes.TryAdd(digestUtf8, vertex);
        return vertex;
    }

    /// <summary>
    /// Whether a Vertex message is byte for byte one found to change nothing in its vertex as it is now: it is
    /// skipped unread. Only a message that starts with its digest (as BuildKit writes them) is looked up.
    /// </summary>
    private bool IsKnownVertex(ReadOnlySpan<byte> message)
    {
        var digest = StatusResponseReader.LeadingDigest(message);
        return !digest.IsEmpty && _byDigestBytes.TryGetValue(digest, out var vertex) && vertex.IsNoOpVertexMessage(message);
    }

    private void Skip(MalformedRecordKind kind, string reason)
    {
        string located = $"record {_recordNumber}: {reason}";
        Malformed.Add(kind, located);
        _observer?.OnMalformedRecord(kind, located);
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n');
        return newline < 0 ? message : message[..newline];
    }

    private TraceVertex GetOrAddVertex(string digest)
    {
        if (!_byDigest.TryGetValue(digest, out var vertex))
        {
            vertex = new TraceVertex(_vertices.Count + 1, digest, _retention);
            _byDigest.Add(digest, vertex);
            _byDigestUtf8.TryAdd(System.Text.Encoding.UTF8.GetBytes(digest), vertex);
            _vertices.Add(vertex);
        }
        return vertex;
    }

    private void ApplyVertex(BuildKitVertex update)
    {
        if (string.IsNullOrEmpty(update.Digest))
        {
            return;
        }

        var vertex = GetOrAddVertex(update.Digest);
        var before = VertexState.Of(vertex);
        vertex.Announced = true;
        vertex.ForgetVertexMessages();
        if (!string.IsNullOrEmpty(update.Name))
        {
            vertex.Name = update.Name;
        }

        if (update.Inputs.Count > 0)
        {
            vertex.MutableInputs.Clear();
            vertex.MutableInputs.AddRange(update.Inputs);
            vertex.ForgetInputBytes();
        }
        if (update.ProgressGroup is not null)
        {
            vertex.ProgressGroup = update.ProgressGroup;
        }

        MergeTimes(vertex, update.Started, update.Completed);
        vertex.Cached |= update.Cached;
        if (!string.IsNullOrEmpty(update.Error))
        {
            vertex.Error = update.Error;
        }

        NotifyVertex(vertex, before);
    }

    // Never cleared once known; a step retried within the build spans its earliest start to its latest end.
    // Returns whether either changed.
    private static bool MergeTimes(TraceVertex vertex, DateTimeOffset? started, DateTimeOffset? completed)
    {
        bool changed = false;
        if (started is { } s && (vertex.Started is null || s < vertex.Started))
        {
            vertex.Started = s;
            changed = true;
        }

        if (completed is { } c && (vertex.Completed is null || c > vertex.Completed))
        {
            vertex.Completed = c;
            changed = true;
        }
        return changed;
    }

    private readonly record struct VertexState(bool Added, bool Started, bool Cached, bool Failed, bool Completed)
    {
        public static VertexState Of(TraceVertex vertex) => new(!vertex.Announced, vertex.Started is not null,
            vertex.Cached, vertex.Error is not null, vertex.Completed is not null);
    }

    private void NotifyVertex(TraceVertex vertex, VertexState before)
    {
        if (_observer is null)
        {
            return;
        }

        if (before.Added)
        {
            _observer.OnVertexAdded(vertex);
        }

        if (!before.Started && vertex.Started is not null)
        {
            _observer.OnVertexStarted(vertex);
        }

        if (!before.Cached && vertex.Cached)
        {
            _observer.OnVertexCached(vertex);
        }

        if (!before.Failed && vertex.Error is not null)
        {
            _observer.OnVertexFailed(vertex);
        }

        if (!before.Completed && vertex.Completed is not null)
        {
            _observer.OnVertexCompleted(vertex);
        }
    }

    private void ApplyStatus(BuildKitVertexStatus update)
    {
        if (string.IsNullOrEmpty(update.Vertex))
        {
            return;
        }

        var vertex = GetOrAddVertex(update.Vertex);
        var status = FindStatus(vertex, update.Id) ?? AddStatus(vertex, new TraceStatus(update.Id));
        if (!string.IsNullOrEmpty(update.Name))
        {
            status.Name = update.Name;
        }

        MergeStatus(status, update.Current, update.Total, update.Timestamp, update.Started, update.Completed);
    }

    private static TraceStatus? FindStatus(TraceVertex vertex, string id)
    {
        foreach (var existing in vertex.MutableStatuses)
        {
            if (existing.Id == id)
            {
                return existing;
            }
        }

        return null;
    }

    private static TraceStatus AddStatus(TraceVertex vertex, TraceStatus status)
    {
        vertex.MutableStatuses.Add(status);
        return status;
    }

    private static void MergeStatus(TraceStatus status, long current, long total, DateTimeOffset? timestamp,
        DateTimeOffset? started, DateTimeOffset? completed)
    {
        status.Current = current;
        if (total != 0)
        {
            status.Total = total;
        }

        status.Timestamp = timestamp ?? status.Timestamp;
        status.Started ??= started;
        status.Completed = completed ?? status.Completed;
    }

    private void ApplyLog(BuildKitVertexLog log)
    {
        if (string.IsNullOrEmpty(log.Vertex))
        {
            return;
        }

        ApplyLog(GetOrAddVertex(log.Vertex), log.Stream, log.Timestamp, log.Data);
    }

    private void ApplyLog(TraceVertex vertex, long streamNumber, DateTimeOffset? timestamp, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        // BuildKit writes 1 for stdout and 2 for stderr; anything else is kept with stdout.
        int stream = streamNumber == 2 ? 2 : 1;
        if (stream == 2)
        {
            vertex.StderrLength += data.Length;
        }
        else
        {
            vertex.StdoutLength += data.Length;
        }

        _observer?.OnLogChunk(vertex, stream, timestamp, data);
        if (vertex.Tail is { } tail)
        {
            tail.Append(stream, timestamp, data);
            if (!vertex.Clipped && ContainsClipMarker(data))
            {
                vertex.Clipped = true;
            }

            return;
        }

        var buffer = stream == 2 ? vertex.StderrBuffer : vertex.StdoutBuffer;
        _completedLines.Clear();
        buffer.Append(data, timestamp, _completedLines);
        foreach (var line in _completedLines)
        {
            AddLine(vertex, line);
        }

        _completedLines.Clear();
    }

    /// <summary>
    /// The chunk's last line is the daemon's clip marker: the daemon writes it after the step's last kept byte, so
    /// only the end of each chunk is looked at (a marker split across chunks is not seen).
    /// </summary>
    private static bool ContainsClipMarker(ReadOnlySpan<byte> data)
    {
        data = data.TrimEnd("\r\n"u8);
        int newline = data.LastIndexOf((byte)'\n');
        var last = newline < 0 ? data : data[(newline + 1)..];
        return last.StartsWith("[output clipped, log limit "u8) && last.EndsWith(" reached]"u8);
    }

    private void FlushPartial(TraceVertex vertex, LogStreamBuffer buffer)
    {
        if (buffer.FlushPartial() is { } line)
        {
            AddLine(vertex, line);
        }
    }

    private void AddLine(TraceVertex vertex, TraceLogLine line)
    {
        if (IsClipMarker(line.Text))
        {
            vertex.Clipped = true;
        }

        vertex.MutableLines.Add(line);
        _observer?.OnLogLine(vertex, line);
    }

    /// <summary>The daemon's marker for a step whose output passed the log limit.</summary>
    public static bool IsClipMarker(string line) =>
        line.StartsWith("[output clipped, log limit ", StringComparison.Ordinal)
        && line.EndsWith(" reached]", StringComparison.Ordinal);

    private void ApplyWarning(BuildKitVertexWarning update)
    {
        var warning = new TraceWarning(update.Vertex, update.Level, update.Short, update.Details.ToArray(),
            string.IsNullOrEmpty(update.Url) ? null : update.Url, update.SourceFile, update.StartLine);
        if (!string.IsNullOrEmpty(update.Vertex))
        {
            GetOrAddVertex(update.Vertex);
        }

        _warnings.Add(warning);
        _observer?.OnWarning(warning);
    }
}

/// <summary>Compares byte strings by content; hashes them eight bytes at a time (digests are long and vary at the end).</summary>
internal sealed class Utf8KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly Utf8KeyComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] key) => Hash(key);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    private const ulong Odd = 0x9E3779B97F4A7C15;

    // Two lanes of multiply-rotate over 8-byte words (the last word overlaps the one before when the length is not a
    // multiple of 8), so that a 71-byte digest costs a handful of dependent multiplies.
    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        ulong a = (ulong)bytes.Length * Odd, b = ~a;
        if (bytes.Length < 8)
        {
            foreach (byte x in bytes)
            {
                a = (BitOperations.RotateLeft(a, 23) ^ x) * Odd;
            }
        }
        else
        {
            var last = BinaryPrimitives.ReadUInt64LittleEndian(bytes[^8..]);
            while (bytes.Length >= 16)
            {
                a = (BitOperations.RotateLeft(a, 23) ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes)) * Odd;
                b = (BitOperations.RotateLeft(b, 29) ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..])) * Odd;
                bytes = bytes[16..];
            }

            if (bytes.Length >= 8)
            {
                a = (BitOperations.RotateLeft(a, 23) ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes)) * Odd;
            }

            b = (BitOperations.RotateLeft(b, 29) ^ last) * Odd;
        }

        ulong hash = (a ^ BitOperations.RotateLeft(b, 31)) * Odd;
        return (int)(hash ^ (hash >> 32));
    }
}
