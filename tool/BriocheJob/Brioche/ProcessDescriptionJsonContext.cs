using System.Text.Json;
using System.Text.Json.Serialization;

namespace BriocheJob.Brioche;

/// <summary>
/// Source-generated metadata for the Description JSON, so reading an events file does not build serializers by
/// reflection at run time (that cost ~80 ms of JIT on every <c>show</c> and <c>logs</c>).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ProcessDescription))]
[JsonSerializable(typeof(ProcessMeta))]
[JsonSerializable(typeof(ProcessTemplate))]
internal sealed partial class ProcessDescriptionJsonContext : JsonSerializerContext;
