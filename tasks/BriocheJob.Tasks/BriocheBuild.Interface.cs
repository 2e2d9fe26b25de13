using Microsoft.Build.Framework;

namespace BriocheJob.Tasks;

/// <summary>
/// Runs <c>brioche build</c> for each <c>BriocheProject</c> item and records the build, its projects and every job
/// for <c>dotnet brioche-job</c> (see <see cref="Recording.BriocheBuildRecorder"/>). A failed project is one BJ3001
/// error at its <c>project.bri</c> (the failing recipe's line when known) naming the project, Brioche's message, the
/// job id and <c>dotnet brioche-job logs &lt;id&gt;</c>. Recording problems are warnings: they never fail the build.
/// </summary>
public sealed partial class BriocheBuild
{
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
}
