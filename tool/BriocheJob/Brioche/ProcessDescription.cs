using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BriocheJob.Diagnostics;

namespace BriocheJob.Brioche;

/// <summary>
/// The Description event's JSON: the recipe (kept raw), its source stack, the sandbox it ran in and where.
/// Unknown properties survive a read/write round trip through the <c>AdditionalProperties</c> bags.
/// </summary>
public sealed class ProcessDescription
{
    internal static readonly JsonSerializerOptions JsonOptions = new(ProcessDescriptionJsonContext.Default.Options)
    {
        // Compact and readable like serde_json: no \u002B for '+' in timestamps; still valid JSON.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The source-generated metadata, bound to <see cref="JsonOptions"/> (camelCase, strict numbers, relaxed escaping).</summary>
    private static readonly ProcessDescriptionJsonContext Json = new(JsonOptions);

    /// <summary>The complete_process recipe as raw JSON (Brioche's own shape, tick-encoded strings).</summary>
    public JsonElement Recipe { get; set; }

    public ProcessMeta Meta { get; set; } = new();

    public SandboxConfig SandboxConfig { get; set; } = new();

    public string RootDir { get; set; } = "";

    public string OutputDir { get; set; } = "";

    /// <summary>RFC 9557 text, e.g. <c>2026-03-23T10:00:00.123-07:00[America/Los_Angeles]</c>.</summary>
    [JsonPropertyName("createdAt")]
    public string CreatedAtText { get; set; } = "";

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }

    /// <summary>The instant of <see cref="CreatedAtText"/>; null when it is missing or unreadable.</summary>
    [JsonIgnore]
    public DateTimeOffset? CreatedAt => ZonedTime.TryParse(CreatedAtText, out var instant, out _) ? instant : null;

    /// <summary>The <c>[Zone]</c> annotation of <see cref="CreatedAtText"/>, e.g. <c>America/Los_Angeles</c>.</summary>
    [JsonIgnore]
    public string? CreatedAtZone => ZonedTime.TryParse(CreatedAtText, out _, out var zone) ? zone : null;

    /// <summary>Sets <see cref="CreatedAtText"/> from an instant and an optional IANA zone name.</summary>
    public void SetCreatedAt(DateTimeOffset instant, string? zone = null) => CreatedAtText = ZonedTime.Format(instant, zone);

    /// <summary>The recipe hash Brioche put in <see cref="OutputDir"/> (<c>output-&lt;hash&gt;</c>), or null.</summary>
    [JsonIgnore]
    public string? RecipeHash => RecipeHashFromOutputDir(OutputDir);

    /// <summary>The command the sandbox ran, decoded for display.</summary>
    [JsonIgnore]
    public string CommandDisplay => SandboxConfig.Command?.ToDisplayString() ?? "";

    /// <summary>
    /// Whether the description names no command: the job ran no process (a Dockerfile step such as FROM or WORKDIR);
    /// every Brioche process recipe has one.
    /// </summary>
    [JsonIgnore]
    public bool RunsNoProcess => SandboxConfig.Command is not { Components.Count: > 0 };

    /// <summary>
    /// Whether the recipe says <c>"cached": true</c>: a Docker step BuildKit answered from its cache, so no process ran
    /// in this build although the description names the command (Brioche's own recipes never say so).
    /// </summary>
    [JsonIgnore]
    public bool Cached => Recipe.ValueKind == JsonValueKind.Object
        && Recipe.TryGetProperty("cached", out JsonElement cached) && cached.ValueKind == JsonValueKind.True;

    /// <summary>The arguments the sandbox passed, decoded for display.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> ArgsDisplay => SandboxConfig.Args?.Select(a => a.ToDisplayString()).ToList() ?? [];

    public static string? RecipeHashFromOutputDir(string? outputDir)
    {
        if (string.IsNullOrEmpty(outputDir))
        {
            return null;
        }
        var name = Path.GetFileName(outputDir.TrimEnd('/'));
        const string prefix = "output-";
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || name.Length != prefix.Length + 64)
        {
            return null;
        }
        var hash = name[prefix.Length..];
        return hash.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f') ? hash : null;
    }

    /// <summary>
    /// Parses Description JSON; malformed JSON throws BJ2005. A plain description is read without the serializer
    /// (<see cref="ProcessDescriptionReader"/>, the same result); anything else goes through it, as it always did.
    /// </summary>
    public static ProcessDescription Parse(ReadOnlySpan<byte> json)
    {
        ProcessDescription? description = ProcessDescriptionReader.TryRead(json) ?? Deserialize(json);
        if (description is null || description.Recipe.ValueKind != JsonValueKind.Object)
        {
            throw Catalog.Events.NoRecipe.Exception();
        }
        description.Meta ??= new ProcessMeta();
        description.SandboxConfig ??= new SandboxConfig();
        return description;
    }

    /// <summary>The serializer's reading, for what <see cref="ProcessDescriptionReader"/> leaves to it.</summary>
    internal static ProcessDescription? Deserialize(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, Json.ProcessDescription);
        }
        catch (JsonException e)
        {
            throw Catalog.Events.BadDescription.ExceptionFrom(e, e.Message);
        }
    }

    /// <summary>Compact JSON, as Brioche writes it.</summary>
    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json.ProcessDescription);
}

/// <summary>Recipe metadata; <see cref="Source"/> is the JavaScript stack that created the recipe.</summary>
public sealed class ProcessMeta
{
    /// <summary>Written as <c>null</c> when unknown, as Brioche does.</summary>
    public List<RecipeStackFrame>? Source { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

public sealed class RecipeStackFrame
{
    public string? FileName { get; set; }

    public long? LineNumber { get; set; }

    public long? ColumnNumber { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ProjectName { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ModulePath { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }

    /// <summary>Brioche's stack-trace line body: <c>project/module:line:col</c> (missing parts left out).</summary>
    public string ToDisplayString()
    {
        string location;
        if (ProjectName is not null && ModulePath is not null)
        {
            var module = ModulePath.StartsWith("./", StringComparison.Ordinal) ? ModulePath[2..] : ModulePath;
            location = $"{ProjectName}/{module}";
        }
        else
        {
            location = FileName ?? ModulePath ?? "<unknown>";
        }
        if (LineNumber is { } line)
        {
            location += $":{line}";
            if (ColumnNumber is { } column)
            {
                location += $":{column}";
            }
        }
        return location;
    }
}

public sealed class SandboxConfig
{
    public string SandboxRoot { get; set; } = "";

    public Dictionary<string, HostPathOptions> IncludeHostPaths { get; set; } = new();

    public ProcessTemplate Command { get; set; } = new();

    public List<ProcessTemplate> Args { get; set; } = [];

    public Dictionary<string, ProcessTemplate> Env { get; set; } = new();

    public ProcessTemplate CurrentDir { get; set; } = new();

    public bool Networking { get; set; }

    public uint? UidHint { get; set; }

    public uint? GidHint { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

public sealed class HostPathOptions
{
    /// <summary><c>read</c> or <c>read_write_create</c>.</summary>
    public string Mode { get; set; } = "read";

    public string? GuestPathHint { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>A sandbox template: literal (tick-encoded) and path components.</summary>
public sealed class ProcessTemplate
{
    public List<TemplateComponent> Components { get; set; } = [];

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }

    public static ProcessTemplate Literal(string text) => new() { Components = [TemplateComponent.Literal(text)] };

    public string ToDisplayString() => string.Concat(Components.Select(c => c.ToDisplayString()));
}

public sealed class TemplateComponent
{
    /// <summary><c>literal</c>, <c>path</c> or another Brioche component type.</summary>
    public string Type { get; set; } = "literal";

    /// <summary>A literal's tick-encoded value.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Value { get; set; }

    /// <summary>Everything else a component carries (a path's host path and options).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }

    public static TemplateComponent Literal(string text) => new() { Type = "literal", Value = TickEncoding.Encode(text) };

    public string ToDisplayString()
    {
        if (Type == "literal")
        {
            return TickEncoding.DecodeToDisplayString(Value ?? "");
        }
        foreach (var key in new[] { "guestPathHint", "hostPath", "path", "value" })
        {
            if (AdditionalProperties?.TryGetValue(key, out var property) == true && property.ValueKind == JsonValueKind.String)
            {
                return TickEncoding.DecodeToDisplayString(property.GetString()!);
            }
        }
        if (Value is not null)
        {
            return TickEncoding.DecodeToDisplayString(Value);
        }
        return $"<{Type}>";
    }
}

/// <summary>Template display for raw recipe JSON, whose components use Brioche's recipe shapes.</summary>
public static class TemplateText
{
    /// <summary>Renders <c>{"components":[...]}</c>: literals decoded, other components as <c>&lt;type&gt;</c>.</summary>
    public static string ToDisplayString(JsonElement template)
    {
        if (template.ValueKind == JsonValueKind.String)
        {
            return TickEncoding.DecodeToDisplayString(template.GetString()!);
        }
        if (template.ValueKind != JsonValueKind.Object || !template.TryGetProperty("components", out var components)
            || components.ValueKind != JsonValueKind.Array)
        {
            return template.GetRawText();
        }
        var parts = new List<string>();
        foreach (var component in components.EnumerateArray())
        {
            var type = component.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (type == "literal" && component.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String)
            {
                parts.Add(TickEncoding.DecodeToDisplayString(value.GetString()!));
            }
            else
            {
                parts.Add($"<{type ?? "?"}>");
            }
        }
        return string.Concat(parts);
    }
}

/// <summary>RFC 9557 timestamps: an RFC 3339 time plus an optional <c>[Zone]</c> annotation.</summary>
public static class ZonedTime
{
    public static bool TryParse(string? text, out DateTimeOffset instant, out string? zone)
    {
        instant = default;
        zone = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        var bracket = text.IndexOf('[');
        var core = bracket < 0 ? text : text[..bracket];
        var rest = bracket < 0 ? "" : text[bracket..];
        while (rest.Length > 0)
        {
            var close = rest.IndexOf(']');
            if (rest[0] != '[' || close < 0)
            {
                return false;
            }
            var annotation = rest[1..close].TrimStart('!');
            // Keys like u-ca=... are extensions; the annotation without '=' is the time zone.
            if (zone is null && !annotation.Contains('='))
            {
                zone = annotation;
            }
            rest = rest[(close + 1)..];
        }
        return DateTimeOffset.TryParse(core, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out instant);
    }

    public static string Format(DateTimeOffset instant, string? zone)
    {
        var text = instant.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
        zone ??= instant.Offset == TimeSpan.Zero ? "UTC" : instant.ToString("zzz", CultureInfo.InvariantCulture);
        return $"{text}[{zone}]";
    }
}
