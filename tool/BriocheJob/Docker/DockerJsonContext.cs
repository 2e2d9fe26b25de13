using System.Text.Json.Serialization;

namespace BriocheJob.Docker;

/// <summary>
/// Source-generated metadata for the Docker side's JSON (step meta, Description recipe, Dockerfile exec form, Engine
/// query values), so it also works in the Native AOT tool, where reflection-based serialization is off.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DockerStepMeta))]
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(bool))]
internal sealed partial class DockerJsonContext : JsonSerializerContext;
