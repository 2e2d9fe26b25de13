using System.Buffers;
using System.Text;
using System.Text.Json;
using BriocheJob.Store;

namespace BriocheJob.History;

/// <summary>
/// What the history commands read from a job's <c>recipe_meta</c>: for a Docker step its instruction, stage, line,
/// build args, input digests and context source digests; for a Brioche job its stack frames. Read leniently: a
/// field that is missing or of another shape is null.
/// </summary>
public sealed class StepMeta
{
    public static readonly StepMeta Empty = new();

    public string? Type { get; private init; }

    public string? Digest { get; private init; }

    public string? Vertex { get; private init; }

    public string? Dockerfile { get; private init; }

    public int? Line { get; private init; }

    public string? Stage { get; private init; }

    public string? Instruction { get; private init; }

    public string? Keyword { get; private init; }

    public IReadOnlyDictionary<string, string> BuildArgs { get; private init; } = new Dictionary<string, string>();

    /// <summary>ARG names in scope at the instruction; null when not recorded.</summary>
    public IReadOnlyList<string>? ArgsInScope { get; private init; }

    /// <summary>Null when the step was recorded before inputs were; empty for a root of the step graph.</summary>
    public IReadOnlyList<string>? Inputs { get; private init; }

    public IReadOnlyDictionary<string, string>? ContextSources { get; private init; }

    /// <summary>Brioche stack frames, innermost first, as <c>project/module:line:col</c>.</summary>
    public IReadOnlyList<string> Frames { get; private init; } = [];

    /// <summary>Where the step comes from, for display: <c>Dockerfile:6</c> or the outermost stack frame.</summary>
    public string? Location => Dockerfile is not null && Line is not null
        ? $"{Path.GetFileName(Dockerfile)}:{Line}"
        : Frames.Count > 0 ? Frames[^1] : null;

    public static StepMeta Of(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Parse(job.RecipeMeta);
    }

    /// <summary>
    /// Reads the fields in one pass over the UTF-8 text (no document tree: a diff or a timeline reads thousands of
    /// these). Invalid JSON anywhere gives <see cref="Empty"/>, as a strict parse would; when a name repeats, the
    /// last value counts.
    /// </summary>
    public static StepMeta Parse(string? json) => Parse(json, inputsOnly: false);

    /// <summary>Only <see cref="Inputs"/>, the rest skipped unread: what the critical path needs of every job.</summary>
    public static StepMeta InputsOf(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Parse(job.RecipeMeta, inputsOnly: true);
    }

    private static StepMeta Parse(string? json, bool inputsOnly)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Empty;
        }

        byte[]? rented = null;
        int count = Encoding.UTF8.GetByteCount(json);
        Span<byte> utf8 = count <= 4096 ? stackalloc byte[4096] : (rented = ArrayPool<byte>.Shared.Rent(count));
        try
        {
            int length = Encoding.UTF8.GetBytes(json, utf8);
            return Read(utf8[..length], inputsOnly);
        }
        catch (JsonException)
        {
            return Empty;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static StepMeta Read(ReadOnlySpan<byte> utf8, bool inputsOnly)
    {
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            Drain(ref reader);
            return Empty;
        }

        string? type = null, digest = null, vertex = null, dockerfile = null, stage = null, instruction = null, keyword = null;
        int? line = null;
        Dictionary<string, string>? buildArgs = null, contextSources = null;
        List<string>? inputs = null, argsInScope = null, frames = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string? name = inputsOnly && !reader.ValueTextEquals("inputs"u8) ? null : reader.GetString();
            reader.Read();
            switch (name)
            {
                case null: reader.Skip(); break;
                case "type": type = Text(ref reader); break;
                case "digest": digest = Text(ref reader); break;
                case "vertex": vertex = Text(ref reader); break;
                case "dockerfile": dockerfile = Text(ref reader); break;
                case "stage": stage = Text(ref reader); break;
                case "instruction": instruction = Text(ref reader); break;
                case "keyword": keyword = Text(ref reader); break;
                case "line": line = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int l) ? l : null; break;
                case "buildArgs": buildArgs = Map(ref reader); break;
                case "contextSources": contextSources = Map(ref reader); break;
                case "inputs": inputs = Strings(ref reader); break;
                case "argsInScope": argsInScope = Strings(ref reader); break;
                case "source": frames = ReadFrames(ref reader); break;
                default: reader.Skip(); break;
            }
        }

        Drain(ref reader);
        return new StepMeta
        {
            Type = type,
            Digest = digest,
            Vertex = vertex,
            Dockerfile = dockerfile,
            Line = line,
            Stage = stage,
            Instruction = instruction,
            Keyword = keyword,
            BuildArgs = buildArgs ?? new Dictionary<string, string>(),
            Inputs = inputs,
            ContextSources = contextSources,
            ArgsInScope = argsInScope,
            Frames = frames ?? [],
        };
    }

    /// <summary>Reads to the end, so that text after the value, or a broken tail, is refused as a strict parse would.</summary>
    private static void Drain(ref Utf8JsonReader reader)
    {
        while (reader.Read())
        {
        }
    }

    private static string? Text(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    /// <summary>The string items of an array (others left out); null when the value is not an array.</summary>
    private static List<string>? Strings(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var items = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                items.Add(reader.GetString()!);
            }
            else
            {
                reader.Skip();
            }
        }

        return items;
    }

    /// <summary>The string-valued properties of an object (others left out); null when the value is not an object.</summary>
    private static Dictionary<string, string>? Map(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                map[name] = reader.GetString()!;
            }
            else
            {
                reader.Skip();
            }
        }

        return map;
    }

    /// <summary>Stack frames as <c>project/module:line:col</c> (object items only); null when not an array.</summary>
    private static List<string>? ReadFrames(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var frames = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            string? project = null, module = null, file = null, lineNumber = null, columnNumber = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                switch (name)
                {
                    case "projectName": project = Text(ref reader); break;
                    case "modulePath": module = Text(ref reader); break;
                    case "fileName": file = Text(ref reader); break;
                    case "lineNumber": lineNumber = Number(ref reader); break;
                    case "columnNumber": columnNumber = Number(ref reader); break;
                    default: reader.Skip(); break;
                }
            }

            string location = project is not null && module is not null
                ? $"{project}/{(module.StartsWith("./", StringComparison.Ordinal) ? module[2..] : module)}"
                : file ?? module ?? "<unknown>";
            if (lineNumber is not null)
            {
                location += ":" + lineNumber;
                if (columnNumber is not null)
                {
                    location += ":" + columnNumber;
                }
            }

            frames.Add(location);
        }

        return frames;
    }

    /// <summary>A number as written; null for another kind of value.</summary>
    private static string? Number(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return Encoding.UTF8.GetString(reader.ValueSpan);
        }

        reader.Skip();
        return null;
    }
}
