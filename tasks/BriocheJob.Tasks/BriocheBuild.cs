using BriocheJob.Diagnostics;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.Tasks;

public sealed partial class BriocheBuild : RecordingTask
{
    private protected override string BuildKind => "Brioche";

    private protected override Diagnostic Unexpected => Catalog.BriocheBuild.Unexpected;

    private protected override async Task<bool> ExecuteAsync(CancellationToken cancellationToken)
    {
        List<BriocheProjectSpec> projects;
        try
        {
            projects = Projects.Select(item => BriocheProjectItem.Read(item, Check, Locked, KeepTemps)).ToList();
        }
        catch (FormatException e)
        {
            Log.LogError(null, Catalog.BriocheBuild.InvalidProject, null, null, 0, 0, 0, 0, e.Message);
            return false;
        }

        var options = new BriocheBuildOptions
        {
            BriocheExe = string.IsNullOrWhiteSpace(BriocheExe) ? "brioche" : BriocheExe,
            Home = string.IsNullOrWhiteSpace(BriocheJobHome) ? null : BriocheJobHome,
            ExternalBuildId = MSBuildBuildId.Get(BuildEngine, BuildId),
            Origin = BuildOrigin.MsBuild,
            WorkingDirectory = null,
            Store = string.IsNullOrWhiteSpace(BriocheJobStore) ? null : BriocheJobStore,
        };
        var outcome = await new BriocheBuildRecorder(options, new BriocheBuildLog(Log))
            .RunAsync(projects, cancellationToken).ConfigureAwait(false);

        JobIds = outcome.Projects.SelectMany(p => p.Jobs.Select(job => BriocheProjectItem.ToItem(p.Project, job, outcome.BuildId))).ToArray();
        if (outcome.Cancelled)
        {
            Log.LogWarning(null, Catalog.BriocheBuild.Cancelled, null, null, 0, 0, 0, 0,
                Catalog.BriocheBuild.Cancelled.Message());
            return false;
        }

        foreach (var failed in outcome.Projects.Where(p => !p.Succeeded))
        {
            var (line, column) = BriocheBuildMessages.SourceLocation(failed.Project, failed.FailedJob);
            Log.LogError(null, Catalog.BriocheBuild.ProjectFailed, null, failed.Project.ProjectFile ?? "", line, column, 0, 0,
                BriocheBuildMessages.ProjectFailure(failed) + HistoryLine(failed.FailedJob?.Id));
        }

        return !Log.HasLoggedErrors;
    }

    /// <summary>When the failing step succeeded in an earlier build: the why reason and the logs --diff command.</summary>
    private string HistoryLine(string? jobId) =>
        jobId is not null && History.FailureHistory.Hint(string.IsNullOrWhiteSpace(BriocheJobHome) ? null : BriocheJobHome, jobId) is { } line
            ? ". " + line : "";
}
