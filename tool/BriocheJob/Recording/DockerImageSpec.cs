namespace BriocheJob.Recording;

/// <summary>One image to build: what a <c>&lt;DockerImage&gt;</c> item says, with paths already made absolute.</summary>
/// <param name="Name">The image's display name (the item's Include); also its first tag unless <paramref name="Tags"/> are given.</param>
/// <param name="ContextDirectory">The build context root.</param>
/// <param name="DockerfilePath">The Dockerfile; null means <c>Dockerfile</c> in the context.</param>
public sealed record DockerImageSpec(
    string Name,
    string ContextDirectory,
    string? DockerfilePath = null)
{
    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? Target { get; init; }

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public string? Platform { get; init; }

    public bool NoCache { get; init; }

    public bool Pull { get; init; }

    /// <summary>Passed through to BuildKit (<c>none</c>, <c>host</c>, <c>default</c>); null lets the engine choose.</summary>
    public string? NetworkMode { get; init; }

    /// <summary>The Dockerfile's full path.</summary>
    public string ResolvedDockerfilePath =>
        Path.GetFullPath(string.IsNullOrEmpty(DockerfilePath) ? "Dockerfile" : DockerfilePath,
            Path.GetFullPath(ContextDirectory));
}
