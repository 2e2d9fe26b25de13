using BriocheJob.Recording;
using Microsoft.Build.Framework;

namespace BriocheJob.Tasks;

/// <summary>Reads a <c>&lt;DockerImage&gt;</c> item into a <see cref="DockerImageSpec"/>; paths are relative to the project.</summary>
internal static class DockerImageItem
{
    public static bool TryRead(ITaskItem item, string projectDirectory, out DockerImageSpec? spec, out string? problem)
    {
        spec = null;
        problem = null;
        string Meta(string name) => item.GetMetadata(name).Trim();

        var name = item.ItemSpec.Trim();
        if (name.Length == 0)
        {
            problem = "the item has no image name (Include)";
            return false;
        }
        var dockerfileText = Meta("Dockerfile");
        var dockerfile = dockerfileText.Length == 0 ? null : Path.GetFullPath(dockerfileText, projectDirectory);
        var contextText = Meta("Context");
        // Without a Context, the Dockerfile's folder (or the project's) is the context, as `docker build DIR` would have it.
        var context = contextText.Length > 0 ? Path.GetFullPath(contextText, projectDirectory)
            : dockerfile is not null ? Path.GetDirectoryName(dockerfile)! : projectDirectory;

        if (!TryParsePairs(Meta("BuildArgs"), "BuildArgs", fromEnvironment: true, out var buildArgs, out problem)
            || !TryParsePairs(Meta("Labels"), "Labels", fromEnvironment: false, out var labels, out problem)
            || !TryParseBool(Meta("NoCache"), "NoCache", out var noCache, out problem)
            || !TryParseBool(Meta("Pull"), "Pull", out var pull, out problem))
        {
            return false;
        }

        spec = new DockerImageSpec(name, context, dockerfile)
        {
            Tags = Split(Meta("Tags")),
            Target = NullIfEmpty(Meta("Target")),
            BuildArgs = buildArgs,
            Labels = labels,
            Platform = NullIfEmpty(Meta("Platform")),
            NoCache = noCache,
            Pull = pull,
            NetworkMode = NullIfEmpty(Meta("NetworkMode")),
        };
        return true;
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    private static List<string> Split(string text) =>
        text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary><c>K=V;K2=V2</c>; for build args a bare <c>K</c> takes K from the environment, as <c>--build-arg K</c> does.</summary>
    internal static bool TryParsePairs(string text, string what, bool fromEnvironment,
        out Dictionary<string, string> pairs, out string? problem)
    {
        pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        problem = null;
        foreach (var entry in Split(text))
        {
            var equals = entry.IndexOf('=');
            if (equals == 0)
            {
                problem = $"{what} entry '{entry}' has no name before '='";
                return false;
            }
            if (equals < 0)
            {
                if (fromEnvironment && Environment.GetEnvironmentVariable(entry) is { } value)
                {
                    pairs[entry] = value;
                    continue;
                }
                problem = fromEnvironment
                    ? $"{what} entry '{entry}' has no '=' and no environment variable of that name is set"
                    : $"{what} entry '{entry}' is not NAME=VALUE";
                return false;
            }
            pairs[entry[..equals].Trim()] = entry[(equals + 1)..];
        }
        return true;
    }

    private static bool TryParseBool(string text, string what, out bool value, out string? problem)
    {
        problem = null;
        value = false;
        if (text.Length == 0 || bool.TryParse(text, out value))
        {
            return true;
        }

        problem = $"{what}='{text}' is not true or false";
        return false;
    }
}
