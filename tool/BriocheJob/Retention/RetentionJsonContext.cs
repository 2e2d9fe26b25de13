using System.Text.Json.Serialization;

namespace BriocheJob.Retention;

/// <summary>Source-generated JSON for <c>prune --json</c> (camelCase, every field present).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PruneReport))]
public sealed partial class RetentionJsonContext : JsonSerializerContext;
