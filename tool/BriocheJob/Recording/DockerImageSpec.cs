using BriocheJob.Docker;

namespace BriocheJob.Recording;

/// <summary>One image to build: what a <c>&lt;DockerImage&gt;</c> item says, with paths already made absolute.</summary>
/// <param name="Name">The image's display name (the item's Include); also its first tag unless <see cref="DockerBuildOptions.Tags"/> are given.</param>
/// <param name="ContextDirectory">The build context root.</param>
/// <param name="DockerfilePath">The Dockerfile; null means <c>Dockerfile</c> in the context.</param>
public sealed record DockerImageSpec(
    string Name,
    string ContextDirectory,
    string? DockerfilePath = null) : DockerBuildOptions
{
    /// <summary>The Dockerfile's full path.</summary>
    public string ResolvedDockerfilePath =>
        Path.GetFullPath(string.IsNullOrEmpty(DockerfilePath) ? "Dockerfile" : DockerfilePath,
            Path.GetFullPath(ContextDirectory));
}
