using BriocheJob.Recording;
using BriocheJob.Store;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace BriocheJob.Tasks;

/// <summary>
/// Runs <c>brioche build</c> for each <c>BriocheProject</c> item and records the build, its projects and every job
/// for <c>dotnet brioche-job</c>. A failed project is one BJ3001 error at its <c>project.bri</c> (the failing
/// recipe's line when known) naming the project, Brioche's message, the job id and <c>dotnet brioche-job logs &lt;id&gt;</c>.
/// </summary>
public sealed class BriocheBuild : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>
    /// The projects: a folder (or, with <c>Registry="true"</c>, a registry project name) and optional metadata
    /// <c>Export</c>, <c>Output</c>, <c>Check</c>, <c>Locked</c>, <c>KeepTemps</c> (these three override the task's).
    /// </summary>
    [Required]
    public ITaskItem[] Projects { get; set; } = [];

    /// <summary>The brioche executable (default <c>brioche</c> on PATH).</summary>
    public string? BriocheExe { get; set; }

    /// <summary>The data home; empty for <c>$BRIOCHE_JOB_HOME</c>, <c>$XDG_DATA_HOME/brioche-job</c>, <c>~/.local/share/brioche-job</c>.</summary>
    public string? BriocheJobHome { get; set; }

    /// <summary>The job store (BriocheJobStore): a postgresql:// URI or Npgsql connection string; default the embedded store.</summary>
    public string? BriocheJobStore { get; set; }

    /// <summary>Groups every project of one pipeline run into one build; empty for one build per MSBuild build.</summary>
    public string? BuildId { get; set; }

    public bool Check { get; set; }

    public bool Locked { get; set; }

    public bool KeepTemps { get; set; }

    /// <summary>
    /// One item per recorded job (item spec = job id) with metadata <c>Project</c>, <c>Name</c>, <c>Result</c>,
    /// <c>State</c>, <c>ExitCode</c>, <c>RecipeHash</c>, <c>LocalPath</c> and <c>BuildId</c>.
    /// </summary>
    [Output]
    public ITaskItem[] JobIds { get; private set; } = [];

    public void Cancel() => _cancellation.Cancel();

    public override bool Execute()
    {
        List<BriocheProjectSpec> projects;
        try
        {
            projects = Projects.Select(ToSpec).ToList();
        }
        catch (FormatException e)
        {
            Log.LogError("Brioche", BriocheBuildCodes.InvalidProject, null, null, 0, 0, 0, 0, e.Message);
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
        var observer = new TaskObserver(Log);
        BriocheBuildOutcome outcome;
        try
        {
            outcome = new BriocheBuildRecorder(options, observer)
                .RunAsync(projects, _cancellation.Token).GetAwaiter().GetResult();
        }
        catch (BriocheJobException e)
        {
            Log.LogError("Brioche", e.Code, null, null, 0, 0, 0, 0, e.Message);
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug of ours must fail the build with one line, not an MSBuild task crash and a stack trace.
            Log.LogError("Brioche", BriocheBuildCodes.Unexpected, null, null, 0, 0, 0, 0,
                $"brioche-job failed unexpectedly while running the Brioche build: {e.GetType().Name}: {e.Message}");
            Log.LogMessage(MessageImportance.Low, e.ToString());
            return false;
        }

        JobIds = outcome.Projects.SelectMany(p => p.Jobs.Select(job => ToItem(p.Project, job, outcome.BuildId))).ToArray();
        if (outcome.Cancelled)
        {
            Log.LogWarning("Brioche", BriocheBuildCodes.Cancelled, null, null, 0, 0, 0, 0,
                "Brioche build cancelled: brioche was stopped and its running jobs recorded as cancelled");
            return false;
        }

        foreach (var project in outcome.Projects.Where(p => !p.Succeeded))
        {
            LogProjectFailure(project);
        }

        return !Log.HasLoggedErrors;
    }

    private BriocheProjectSpec ToSpec(ITaskItem item)
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
            Flag(item, "Check", Check),
            Flag(item, "Locked", Locked),
            Flag(item, "KeepTemps", KeepTemps));
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

    private void LogProjectFailure(BriocheProjectOutcome outcome)
    {
        var project = outcome.Project;
        var job = outcome.FailedJob;
        var message = BriocheBuildMessages.ProjectFailure(outcome);
        var (line, column) = BriocheBuildMessages.SourceLocation(project, job);
        Log.LogError("Brioche", BriocheBuildCodes.ProjectFailed, null, project.ProjectFile ?? "", line, column, 0, 0, message);
    }

    private static TaskItem ToItem(BriocheProjectSpec project, JobRecord job, string? buildId)
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

    /// <summary>Turns the recorder's progress into build messages, so the terminal logger shows movement.</summary>
    private sealed class TaskObserver(TaskLoggingHelper log) : IBriocheBuildObserver
    {
        public void ProjectStarted(BriocheProjectSpec project, IReadOnlyList<string> arguments) =>
            log.LogMessage(MessageImportance.High, "Brioche: building {0} ({1})", project.Name, string.Join(' ', arguments));

        public void OutputLine(BriocheProjectSpec project, bool isError, string line) =>
            log.LogMessage(MessageImportance.Normal, "brioche: {0}", line);

        public void JobStarted(BriocheProjectSpec project, JobRecord job) =>
            log.LogMessage(MessageImportance.High, "Brioche: job {0} started: {1}", job.Id, job.Name);

        public void JobFinished(BriocheProjectSpec project, JobRecord job) =>
            log.LogMessage(MessageImportance.High, "Brioche: job {0} {1}{2}", job.Id, BriocheBuildMessages.Status(job),
                job.Duration is { } d ? $" in {d.TotalSeconds:0.00}s" : "");

        public void Warning(string code, string message) =>
            log.LogWarning("Brioche", code, null, null, 0, 0, 0, 0, message);
    }
}
