using System.Text.Json.Serialization;

namespace BriocheJob.Bundles;

/// <summary>
/// <c>brioche-job-bundle.json</c>, the last entry of a bundle: the build, its projects and jobs, what was redacted,
/// and the SHA-256 of every other entry, so a truncated or altered bundle is refused whole.
/// Add fields, never rename them.
/// </summary>
public sealed record BundleManifest
{
    public const string FormatName = "brioche-job-bundle";
    public const int CurrentVersion = 1;
    public const string EntryName = "brioche-job-bundle.json";

    public string Format { get; init; } = FormatName;

    public int Version { get; init; } = CurrentVersion;

    public DateTimeOffset ExportedAt { get; init; }

    public string? ExportedBy { get; init; }

    public required BundleBuild Build { get; init; }

    public IReadOnlyList<BundleProject> Projects { get; init; } = [];

    public IReadOnlyList<BundleJob> Jobs { get; init; } = [];

    public IReadOnlyList<BundleRedaction> Redacted { get; init; } = [];

    /// <summary>Entry name to lower-case hex SHA-256 of its bytes.</summary>
    public IReadOnlyDictionary<string, string> Entries { get; init; } = new Dictionary<string, string>();
}

public sealed record BundleBuild(
    string Id,
    string? ExternalId,
    string Origin,
    string? WorkingDirectory,
    DateTimeOffset StartedAt,
    DateTimeOffset? StoppedAt,
    string State,
    string? Result);

/// <param name="Dockerfile">The entry holding the project's Dockerfile (redacted), for Docker projects.</param>
/// <param name="Trace">The entry holding the decoded step timeline, for Docker projects.</param>
public sealed record BundleProject(
    int Index,
    string Kind,
    string? Name,
    string? ProjectHash,
    string? LocalProjectPath,
    string? RegistryProjectName,
    string? Dockerfile,
    string? Trace);

/// <param name="Events">The entry holding the job's events file (rewritten with secrets redacted).</param>
/// <param name="Source">The entry holding the project-file lines the job's stack trace names (Brioche).</param>
public sealed record BundleJob(
    string Id,
    int? Project,
    string Kind,
    string? Name,
    DateTimeOffset StartedAt,
    DateTimeOffset? StoppedAt,
    string State,
    string? Result,
    int? ExitCode,
    int? Signal,
    string? Message,
    bool Cached,
    string? RecipeHash,
    string? RecipeMeta,
    int? Pid,
    string? Events,
    string? Source);

/// <summary>One secret that was redacted: its name, where it was found, and how often its value was replaced.</summary>
public sealed record BundleRedaction(string Name, string Where, int Occurrences);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(BundleManifest))]
internal sealed partial class BundleJsonContext : JsonSerializerContext;
