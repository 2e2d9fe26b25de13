using System.Text.Json;
using System.Text.Json.Serialization;

namespace BriocheJob.Docker;

/// <summary>
/// The <c>recipe_meta</c> JSON of a Docker job: where the step comes from and how it was built, enough for
/// <c>show</c> to point at the Dockerfile line and for <c>debug-shell</c> to rebuild up to it.
/// Add fields, never rename them: recorded jobs keep the names they were written with.
/// </summary>
public sealed record DockerStepMeta
{
    /// <summary>The <c>type</c> of Docker step meta and of a step's events-file recipe.</summary>
    public const string RecipeType = "docker_step";

    /// <summary>Always <c>docker_step</c>, so readers can tell Docker meta from Brioche meta.</summary>
    public string Type { get; init; } = RecipeType;

    /// <summary>The vertex digest (also the job's recipe hash).</summary>
    public string? Digest { get; init; }

    /// <summary>The vertex name as BuildKit shows it: <c>[builder 2/5] RUN make</c>.</summary>
    public string? Vertex { get; init; }

    /// <summary>The image being built (the item's name); null for an import without one.</summary>
    public string? Image { get; init; }

    public string? Context { get; init; }

    /// <summary>The Dockerfile's full path; null when not known (an imported trace without <c>--dockerfile</c>).</summary>
    public string? Dockerfile { get; init; }

    /// <summary>1-based first line of the instruction; null for vertices that are not Dockerfile steps.</summary>
    public int? Line { get; init; }

    public int? EndLine { get; init; }

    /// <summary>The stage's display name: its AS name or <c>stage-N</c>.</summary>
    public string? Stage { get; init; }

    public int? StageIndex { get; init; }

    /// <summary>The instruction: <c>RUN make</c>, continuation lines joined.</summary>
    public string? Instruction { get; init; }

    /// <summary>The upper-case keyword: RUN, COPY, FROM…</summary>
    public string? Keyword { get; init; }

    /// <summary>BuildKit's <c>n/total</c> for the step.</summary>
    public string? Step { get; init; }

    public string? Platform { get; init; }

    public string? Target { get; init; }

    public string? NetworkMode { get; init; }

    /// <summary>Build args given at build time (not the Dockerfile defaults), so a debug shell rebuilds the same way.</summary>
    public IReadOnlyDictionary<string, string>? BuildArgs { get; init; }

    /// <summary>The Dockerfile's SHA-256 when recorded, so a debug shell can tell it changed since.</summary>
    public string? DockerfileSha256 { get; init; }

    /// <summary>The names of the ARGs in scope at the instruction (RUN sees each as an environment variable).</summary>
    public IReadOnlyList<string>? ArgsInScope { get; init; }

    /// <summary>The digests of the vertices this step builds on, as BuildKit reported them (the step graph).</summary>
    public IReadOnlyList<string>? Inputs { get; init; }

    /// <summary>For a COPY/ADD from the context: each source as written → the digest of what the context sent for it.</summary>
    public IReadOnlyDictionary<string, string>? ContextSources { get; init; }

    [JsonExtensionData]
    // A setter, not init: source-generated metadata cannot fill an init-only extension data property.
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }

    internal static readonly JsonSerializerOptions JsonOptions = new(DockerJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The source-generated metadata, bound to <see cref="JsonOptions"/> (camelCase, nulls left out, relaxed escaping).</summary>
    internal static readonly DockerJsonContext Json = new(JsonOptions);

    public string ToJson() => JsonSerializer.Serialize(this, Json.DockerStepMeta);

    public JsonElement ToJsonElement() => JsonSerializer.SerializeToElement(this, Json.DockerStepMeta);

    /// <summary>Reads recorded meta; null when it is missing, not JSON, or not Docker meta.</summary>
    public static DockerStepMeta? TryParse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            var meta = JsonSerializer.Deserialize(json, Json.DockerStepMeta);
            return meta is { Type: RecipeType } ? meta : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
