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

    public static StepMeta Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Empty;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Empty;
            }

            return new StepMeta
            {
                Type = Text(root, "type"),
                Digest = Text(root, "digest"),
                Vertex = Text(root, "vertex"),
                Dockerfile = Text(root, "dockerfile"),
                Line = root.TryGetProperty("line", out JsonElement line) && line.ValueKind == JsonValueKind.Number ? line.GetInt32() : null,
                Stage = Text(root, "stage"),
                Instruction = Text(root, "instruction"),
                Keyword = Text(root, "keyword"),
                BuildArgs = Map(root, "buildArgs") ?? new Dictionary<string, string>(),
                Inputs = root.TryGetProperty("inputs", out JsonElement inputs) && inputs.ValueKind == JsonValueKind.Array
                    ? inputs.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString()!).ToList()
                    : null,
                ContextSources = Map(root, "contextSources"),
                ArgsInScope = root.TryGetProperty("argsInScope", out JsonElement scope) && scope.ValueKind == JsonValueKind.Array
                    ? scope.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString()!).ToList()
                    : null,
                Frames = root.TryGetProperty("source", out JsonElement source) && source.ValueKind == JsonValueKind.Array
                    ? source.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.Object).Select(FrameText).ToList()
                    : [],
            };
        }
        catch (JsonException)
        {
            return Empty;
        }
    }

    private static string FrameText(JsonElement frame)
    {
        string? project = Text(frame, "projectName");
        string? module = Text(frame, "modulePath");
        string location = project is not null && module is not null
            ? $"{project}/{(module.StartsWith("./", StringComparison.Ordinal) ? module[2..] : module)}"
            : Text(frame, "fileName") ?? module ?? "<unknown>";
        if (frame.TryGetProperty("lineNumber", out JsonElement l) && l.ValueKind == JsonValueKind.Number)
        {
            location += ":" + l.GetRawText();
            if (frame.TryGetProperty("columnNumber", out JsonElement c) && c.ValueKind == JsonValueKind.Number)
            {
                location += ":" + c.GetRawText();
            }
        }

        return location;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Dictionary<string, string>? Map(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out JsonElement value) || value.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in value.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                map[property.Name] = property.Value.GetString()!;
            }
        }

        return map;
    }
}
