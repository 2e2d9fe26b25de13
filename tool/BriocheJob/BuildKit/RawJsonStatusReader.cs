using System.Text.Json;

namespace BriocheJob.BuildKit;

/// <summary>
/// Reads one line of <c>docker buildx build --progress=rawjson</c>: a client.SolveStatus in JSON.
/// Property names are matched case-insensitively (older buildx wrote Go field names, newer ones camelCase);
/// unknown properties and nulls are ignored. Throws JsonException, FormatException or InvalidOperationException
/// when the line is not one.
/// </summary>
public static class RawJsonStatusReader
{
    public static BuildKitStatus Parse(ReadOnlySpan<byte> utf8Line)
    {
        var reader = new Utf8JsonReader(utf8Line);
        using var document = JsonDocument.ParseValue(ref reader);
        if (reader.Read())
        {
            throw new JsonException("More than one JSON value on the line.");
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A SolveStatus line must be a JSON object.");
        }

        var status = new BuildKitStatus();
        foreach (var property in root.EnumerateObject())
        {
            if (Is(property, "vertexes"))
            {
                foreach (var item in Items(property.Value))
                {
                    status.Vertexes.Add(ReadVertex(item));
                }
            }
            else if (Is(property, "statuses"))
            {
                foreach (var item in Items(property.Value))
                {
                    status.Statuses.Add(ReadStatus(item));
                }
            }
            else if (Is(property, "logs"))
            {
                foreach (var item in Items(property.Value))
                {
                    status.Logs.Add(ReadLog(item));
                }
            }
            else if (Is(property, "warnings"))
            {
                foreach (var item in Items(property.Value))
                {
                    status.Warnings.Add(ReadWarning(item));
                }
            }
        }
        return status;
    }

    private static BuildKitVertex ReadVertex(JsonElement element)
    {
        var vertex = new BuildKitVertex();
        foreach (var property in element.EnumerateObject())
        {
            if (Is(property, "digest"))
            {
                vertex.Digest = Text(property.Value);
            }
            else if (Is(property, "inputs"))
            {
                foreach (var input in Items(property.Value))
                {
                    vertex.Inputs.Add(Text(input));
                }
            }
            else if (Is(property, "name"))
            {
                vertex.Name = Text(property.Value);
            }
            else if (Is(property, "started"))
            {
                vertex.Started = Time(property.Value);
            }
            else if (Is(property, "completed"))
            {
                vertex.Completed = Time(property.Value);
            }
            else if (Is(property, "cached"))
            {
                vertex.Cached = property.Value.ValueKind == JsonValueKind.True;
            }
            else if (Is(property, "error"))
            {
                vertex.Error = Text(property.Value);
            }
            else if (Is(property, "progressGroup") && property.Value.ValueKind == JsonValueKind.Object)
            {
                string id = "", name = "";
                bool weak = false;
                foreach (var group in property.Value.EnumerateObject())
                {
                    if (Is(group, "id"))
                    {
                        id = Text(group.Value);
                    }
                    else if (Is(group, "name"))
                    {
                        name = Text(group.Value);
                    }
                    else if (Is(group, "weak"))
                    {
                        weak = group.Value.ValueKind == JsonValueKind.True;
                    }
                }
                vertex.ProgressGroup = new BuildKitProgressGroup(id, name, weak);
            }
        }
        return vertex;
    }

    private static BuildKitVertexStatus ReadStatus(JsonElement element)
    {
        var status = new BuildKitVertexStatus();
        foreach (var property in element.EnumerateObject())
        {
            if (Is(property, "id"))
            {
                status.Id = Text(property.Value);
            }
            else if (Is(property, "vertex"))
            {
                status.Vertex = Text(property.Value);
            }
            else if (Is(property, "name"))
            {
                status.Name = Text(property.Value);
            }
            else if (Is(property, "current"))
            {
                status.Current = Number(property.Value);
            }
            else if (Is(property, "total"))
            {
                status.Total = Number(property.Value);
            }
            else if (Is(property, "timestamp"))
            {
                status.Timestamp = Time(property.Value);
            }
            else if (Is(property, "started"))
            {
                status.Started = Time(property.Value);
            }
            else if (Is(property, "completed"))
            {
                status.Completed = Time(property.Value);
            }
        }
        return status;
    }

    private static BuildKitVertexLog ReadLog(JsonElement element)
    {
        var log = new BuildKitVertexLog();
        foreach (var property in element.EnumerateObject())
        {
            if (Is(property, "vertex"))
            {
                log.Vertex = Text(property.Value);
            }
            else if (Is(property, "stream"))
            {
                log.Stream = Number(property.Value);
            }
            else if (Is(property, "data"))
            {
                log.Data = Bytes(property.Value);
            }
            else if (Is(property, "timestamp"))
            {
                log.Timestamp = Time(property.Value);
            }
        }
        return log;
    }

    private static BuildKitVertexWarning ReadWarning(JsonElement element)
    {
        var warning = new BuildKitVertexWarning();
        foreach (var property in element.EnumerateObject())
        {
            if (Is(property, "vertex"))
            {
                warning.Vertex = Text(property.Value);
            }
            else if (Is(property, "level"))
            {
                warning.Level = Number(property.Value);
            }
            else if (Is(property, "short"))
            {
                warning.Short = System.Text.Encoding.UTF8.GetString(Bytes(property.Value));
            }
            else if (Is(property, "detail"))
            {
                foreach (var detail in Items(property.Value))
                {
                    warning.Details.Add(System.Text.Encoding.UTF8.GetString(Bytes(detail)));
                }
            }
            else if (Is(property, "url"))
            {
                warning.Url = Text(property.Value);
            }
            else if (Is(property, "sourceInfo") && property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var info in property.Value.EnumerateObject())
                {
                    if (Is(info, "filename"))
                    {
                        warning.SourceFile = Text(info.Value);
                    }
                }
            }
            else if (Is(property, "range"))
            {
                foreach (var range in Items(property.Value))
                {
                    warning.StartLine ??= RangeLine(range, "start");
                    warning.EndLine ??= RangeLine(range, "end");
                }
            }
        }
        return warning;
    }

    private static int? RangeLine(JsonElement range, string end)
    {
        if (range.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in range.EnumerateObject())
        {
            if (!Is(property, end) || property.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var position in property.Value.EnumerateObject())
            {
                if (Is(position, "line"))
                {
                    return (int)Number(position.Value);
                }
            }
        }
        return null;
    }

    private static bool Is(JsonProperty property, string name) =>
        property.Name.Equals(name, StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<JsonElement> Items(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray() : [];

    private static string Text(JsonElement element) =>
        element.ValueKind == JsonValueKind.Null ? "" : element.GetString() ?? "";

    private static long Number(JsonElement element) =>
        element.ValueKind == JsonValueKind.Null ? 0 : element.GetInt64();

    private static byte[] Bytes(JsonElement element) =>
        element.ValueKind == JsonValueKind.Null ? [] : element.GetBytesFromBase64();

    private static DateTimeOffset? Time(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        string? text = element.GetString();
        if (!BuildKitTime.TryParseRfc3339(text, out var value))
        {
            throw new JsonException($"'{text}' is not an RFC 3339 time.");
        }

        return value;
    }
}
