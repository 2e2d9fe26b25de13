using BriocheJob.Diagnostics;
using BriocheJob.Recording;
using BriocheJob.Store;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace BriocheJob.Tasks;

public sealed partial class DockerBuild : RecordingTask
{
    /// <summary>How many of a failed step's last output lines the error shows.</summary>
    internal const int ErrorTailLines = 5;

    private protected override string BuildKind => "Docker";

    private protected override Diagnostic Unexpected => Catalog.DockerBuild.Unexpected;

    private protected override async Task<bool> ExecuteAsync(CancellationToken cancellationToken)
    {
        var projectDirectory = ProjectDirectory();
        var items = new List<(DockerImageSpec Spec, ITaskItem Item)>();
        foreach (var item in Images)
        {
            // Relative Context and Dockerfile paths are taken from the project that defined the item.
            var itemDirectory = item.GetMetadata("DefiningProjectDirectory") is { Length: > 0 } defining ? defining : projectDirectory;
            if (DockerImageItem.TryRead(item, itemDirectory, out var spec, out var problem))
            {
                items.Add((spec!, item));
            }
            else
            {
                Log.LogError(null, Catalog.DockerBuild.BadImageItem, null, ItemFile(item), 0, 0, 0, 0,
                    Catalog.DockerBuild.BadImageItem.Message(item.ItemSpec, problem));
            }
        }
        if (Log.HasLoggedErrors)
        {
            return false;
        }

        var options = new RecordingOptions(BuildOrigin.MsBuild, BriocheJobHome, MSBuildBuildId.Get(BuildEngine, BuildId), projectDirectory,
            string.IsNullOrWhiteSpace(BriocheJobStore) ? null : BriocheJobStore);
        var recorder = new DockerImagesRecorder(options, string.IsNullOrWhiteSpace(DockerHost) ? null : DockerHost,
            new DockerBuildLog(Log, spec => ItemFile(ItemOf(spec)),
                jobId => History.FailureHistory.Hint(string.IsNullOrWhiteSpace(BriocheJobHome) ? null : BriocheJobHome, jobId)));
        var outcome = await recorder.RunAsync(items.ConvertAll(i => i.Spec), cancellationToken).ConfigureAwait(false);

        ImageIds = outcome.Images.Where(r => r.Succeeded).Select(r => ImageIdItem(r, ItemOf(r.Spec))).ToArray();
        return !outcome.Cancelled && !Log.HasLoggedErrors;

        ITaskItem ItemOf(DockerImageSpec spec) => items.First(i => ReferenceEquals(i.Spec, spec)).Item;
    }

    private static TaskItem ImageIdItem(DockerImageResult result, ITaskItem item)
    {
        var output = new TaskItem(result.Outcome!.ImageId);
        output.SetMetadata("Name", result.Spec.Name);
        output.SetMetadata("Tags", string.Join(';', DockerBuildRecorder.ImageTags(result.Spec)));
        item.CopyMetadataTo(output);
        return output;
    }

    /// <summary>The project being built (the task node's file is the targets file that calls us).</summary>
    private string ProjectDirectory()
    {
        var project = Images.Select(i => i.GetMetadata("DefiningProjectFullPath")).FirstOrDefault(p => p.Length > 0)
                      ?? BuildEngine?.ProjectFileOfTaskNode;
        return string.IsNullOrEmpty(project) ? Environment.CurrentDirectory : Path.GetDirectoryName(Path.GetFullPath(project))!;
    }

    private string ItemFile(ITaskItem item) =>
        item.GetMetadata("DefiningProjectFullPath") is { Length: > 0 } project ? project : BuildEngine.ProjectFileOfTaskNode;
}
