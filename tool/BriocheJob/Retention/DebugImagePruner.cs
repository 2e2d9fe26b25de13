using BriocheJob.Docker;

namespace BriocheJob.Retention;

/// <summary>
/// Removes the <c>brioche-job-debug:*</c> images a debug shell left behind (it removes its image when it ends;
/// a killed one cannot). An image a container still uses is kept: the engine refuses to remove it without force.
/// </summary>
public static class DebugImagePruner
{
    public const string Repository = "brioche-job-debug";

    /// <param name="tagPrefix">Only tags starting with this (the default: every debug image).</param>
    public static async Task<DockerImagesReport> RunAsync(
        DockerEngineClient client, bool dryRun, string tagPrefix = Repository + ":", CancellationToken cancellationToken = default)
    {
        var tags = (await client.ListImageTagsAsync(Repository, cancellationToken).ConfigureAwait(false))
            .Where(t => t.StartsWith(tagPrefix, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (dryRun)
        {
            return new DockerImagesReport(tags, []);
        }

        var removed = new List<string>();
        var inUse = new List<string>();
        foreach (var tag in tags)
        {
            if (await client.TryRemoveUnusedImageAsync(tag, cancellationToken).ConfigureAwait(false))
            {
                removed.Add(tag);
            }
            else
            {
                inUse.Add(tag);
            }
        }

        return new DockerImagesReport(removed, inUse);
    }
}
