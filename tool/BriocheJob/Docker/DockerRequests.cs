using System.Text;
using System.Text.Json;

namespace BriocheJob.Docker;

/// <summary>
/// The eight build options a <c>&lt;DockerImage&gt;</c> item, a recorded build and an engine request share (written
/// once here): <see cref="DockerBuildRequest"/> adds what the engine needs, the recorder's image spec adds where the
/// image comes from.
/// </summary>
public abstract record DockerBuildOptions
{
    /// <summary>Image tags; on a request, full references (<c>NAME:tag</c>).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? Target { get; init; }

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public string? Platform { get; init; }

    public bool NoCache { get; init; }

    public bool Pull { get; init; }

    /// <summary>Passed through to BuildKit (<c>none</c>, <c>host</c>, <c>default</c>); null lets the engine choose.</summary>
    public string? NetworkMode { get; init; }
}

/// <summary>The query of POST /build. Only set values are sent; BuildKit (<c>version=2</c>) is always asked for.</summary>
public sealed record DockerBuildRequest : DockerBuildOptions
{
    public DockerBuildRequest()
    {
    }

    /// <summary>A request with the same options as <paramref name="options"/>.</summary>
    public DockerBuildRequest(DockerBuildOptions options)
        : base(options)
    {
    }

    /// <summary>Our id for the build, sent as <c>buildid</c> so it can be cancelled.</summary>
    public string BuildId { get; init; } = Guid.NewGuid().ToString("N");

    /// <summary>The Dockerfile's path inside the context tar (see <see cref="BuildContext.DockerfileNameInContext"/>).</summary>
    public string? Dockerfile { get; init; }

    internal string ToQueryString()
    {
        var query = new StringBuilder("?version=2");
        void Add(string name, string value) =>
            query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));

        Add("buildid", BuildId);
        foreach (var tag in Tags)
        {
            Add("t", tag);
        }

        if (!string.IsNullOrEmpty(Dockerfile))
        {
            Add("dockerfile", Dockerfile);
        }

        if (!string.IsNullOrEmpty(Target))
        {
            Add("target", Target);
        }

        if (BuildArgs.Count > 0)
        {
            Add("buildargs", JsonSerializer.Serialize(BuildArgs, DockerJsonContext.Default.IReadOnlyDictionaryStringString));
        }

        if (Labels.Count > 0)
        {
            Add("labels", JsonSerializer.Serialize(Labels, DockerJsonContext.Default.IReadOnlyDictionaryStringString));
        }

        if (!string.IsNullOrEmpty(Platform))
        {
            Add("platform", Platform);
        }

        if (NoCache)
        {
            Add("nocache", "1");
        }

        if (Pull)
        {
            Add("pull", "1");
        }

        if (!string.IsNullOrEmpty(NetworkMode))
        {
            Add("networkmode", NetworkMode);
        }

        return query.ToString();
    }
}

/// <summary>One command to run non-interactively in an image (for debug-shell's checks and replays).</summary>
public sealed class ContainerRunRequest
{
    public required string Image { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Replaces the image's entrypoint when set (an empty list clears it).</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public string? WorkingDirectory { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string? User { get; init; }

    public string NetworkMode { get; init; } = "none";
}

public sealed record ContainerRunResult(long ExitCode, string Stdout, string Stderr);
