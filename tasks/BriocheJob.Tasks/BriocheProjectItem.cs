using BriocheJob.Recording;
using BriocheJob.Store;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace BriocheJob.Tasks;

/// <summary>Reads a <c>&lt;BriocheProject&gt;</c> item into a <see cref="BriocheProjectSpec"/>; paths are relative to the project that defined it.</summary>
internal static class BriocheProjectItem
{
    /// <summary>The item as <c>brioche build</c> arguments; throws <see cref="FormatException"/> for a flag that is not a boolean.</summary>
    public static BriocheProjectSpec Read(ITaskItem item, bool check, bool locked, bool keepTemps)
    {
        var isRegistry = Flag(item, "Registry", false);
        var source = item.ItemSpec;
        if (!isRegistry && !string.IsNullOrEmpty(source) && !Path.IsPathRooted(source))
        {
            // Item paths are relative to the project file, as MSBuild's own items are.
            var definingFolder = item.GetMetadata("DefiningProjectDirectory");
            source = Path.GetFullPath(Path.Combine(string.IsNullOrEmpty(definingFolder) ? Environment.CurrentDirectory : definingFolder, source));
        }

        return new BriocheProjectSpec(
            source,
            isRegistry,
            NullIfEmpty(item.GetMetadata("Export")),
            NullIfEmpty(item.GetMetadata("Output")) is { } output ? Resolve(item, output) : null,
            Flag(item, "Check", check),
            Flag(item, "Locked", locked),
            Flag(item, "KeepTemps", keepTemps));
    }

    private static string Resolve(ITaskItem item, string path)
    {
        var definingFolder = item.GetMetadata("DefiningProjectDirectory");
        return Path.IsPathRooted(path) || string.IsNullOrEmpty(definingFolder) ? path : Path.GetFullPath(Path.Combine(definingFolder, path));
    }

    private static bool Flag(ITaskItem item, string name, bool fallback)
    {
        var text = item.GetMetadata(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return bool.TryParse(text.Trim(), out var value)
            ? value
            : throw new FormatException($"BriocheProject '{item.ItemSpec}': {name}=\"{text}\" is not true or false");
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    /// <summary>One recorded job as a <c>BriocheJobId</c> output item.</summary>
    public static TaskItem ToItem(BriocheProjectSpec project, JobRecord job, string? buildId)
    {
        var item = new TaskItem(job.Id);
        item.SetMetadata("Project", project.Name);
        item.SetMetadata("Name", job.Name ?? "");
        item.SetMetadata("Result", job.Result?.ToString().ToLowerInvariant() ?? "");
        item.SetMetadata("State", job.State.ToString().ToLowerInvariant());
        item.SetMetadata("ExitCode", job.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
        item.SetMetadata("RecipeHash", job.RecipeHash ?? "");
        item.SetMetadata("LocalPath", job.LocalPath ?? "");
        item.SetMetadata("BuildId", buildId ?? "");
        return item;
    }
}
