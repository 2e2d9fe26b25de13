using Microsoft.Build.Framework;

namespace BriocheJob.Tasks;

/// <summary>
/// Builds each <c>&lt;DockerImage&gt;</c> with BuildKit through the Docker engine and records every step as a job
/// (see <see cref="Recording.DockerImagesRecorder"/>). Steps show in the build log as they start, hit the cache,
/// complete or fail; a failed step is an error at <c>Dockerfile(line)</c> naming its job and the command that shows
/// its logs. Recording problems are warnings: they never fail the build.
/// </summary>
public sealed partial class DockerBuild
{
    /// <summary>The <c>DockerImage</c> items: Include=NAME; Context, Dockerfile, Tags, Target, BuildArgs, Labels, Platform, NoCache, Pull, NetworkMode.</summary>
    [Required]
    public ITaskItem[] Images { get; set; } = [];

    /// <summary>The engine; default DOCKER_HOST, the current Docker context, then the default socket.</summary>
    public string? DockerHost { get; set; }

    public string? BriocheJobHome { get; set; }

    /// <summary>The job store (BriocheJobStore): a postgresql:// URI or Npgsql connection string; default the embedded store.</summary>
    public string? BriocheJobStore { get; set; }

    /// <summary>The external build id (BriocheJobBuildId); default one per MSBuild build.</summary>
    public string? BuildId { get; set; }

    /// <summary>One item per image built: ItemSpec the image id (<c>sha256:…</c>), metadata Name and Tags.</summary>
    [Output]
    public ITaskItem[] ImageIds { get; private set; } = [];
}
