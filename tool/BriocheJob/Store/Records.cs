namespace BriocheJob.Store;

/// <summary>Which tool ran a job or built a project.</summary>
public enum JobKind
{
    Brioche,
    Docker,
}

/// <summary>Where a build was recorded from.</summary>
public enum BuildOrigin
{
    MsBuild,
    Cli,
    Import,
}

/// <summary>The lifecycle of a build or a job.</summary>
public enum RunState
{
    /// <summary>Its recording process is alive and has not finished it yet.</summary>
    Running,
    Finished,
    /// <summary>Its recording process went away before finishing it (crash, kill, power loss).</summary>
    Interrupted,
    Cancelled,
}

/// <summary>The outcome of a finished build or job.</summary>
public enum RunResult
{
    Succeeded,
    Failed,
}

/// <summary>A top-level <c>dotnet build</c>, or one CLI run or import.</summary>
/// <param name="ExternalId">The MSBuild property <c>BriocheJobBuildId</c>: every project of one CI run shares it.</param>
/// <param name="OwnerPid">The process recording the build; when it is gone a running build reads as interrupted.</param>
/// <param name="Provenance">Where it ran (host, user, git, CI); null only for a record made without one.</param>
public sealed record BuildRecord(
    string Id,
    string? ExternalId,
    BuildOrigin Origin,
    string? WorkingDirectory,
    int? OwnerPid,
    DateTimeOffset StartedAt,
    DateTimeOffset? StoppedAt,
    RunState State,
    RunResult? Result,
    BuildProvenance? Provenance = null);

/// <summary>What <see cref="IJobStore.BeginBuild"/> needs; <paramref name="StartedAt"/> defaults to now.</summary>
/// <param name="Provenance">Where the build runs; a rejoined build keeps what it has and fills in what it lacks.</param>
public sealed record BuildRequest(
    BuildOrigin Origin,
    string? ExternalId = null,
    string? WorkingDirectory = null,
    int? OwnerPid = null,
    DateTimeOffset? StartedAt = null,
    BuildProvenance? Provenance = null);

/// <summary>A project built as part of a build: a project file, a Dockerfile image, an imported folder.</summary>
/// <param name="Name">For display: an image name, a Brioche project name.</param>
public sealed record ProjectRecord(
    long Id,
    string BuildId,
    JobKind Kind,
    string? Name,
    string? ProjectHash,
    string? LocalProjectPath,
    string? RegistryProjectName);

/// <summary>What <see cref="IJobStore.AddProject"/> needs.</summary>
public sealed record ProjectRequest(
    JobKind Kind,
    string? Name = null,
    string? ProjectHash = null,
    string? LocalProjectPath = null,
    string? RegistryProjectName = null);

/// <summary>One Brioche process recipe or one BuildKit step.</summary>
/// <param name="Id">A ULID: Brioche's process-temp folder name, or a generated one (<see cref="Ulid.NewUlid()"/>).</param>
/// <param name="Pid">The job's own process, when known.</param>
/// <param name="OwnerPid">The process recording the job; when it is gone a running job reads as interrupted.</param>
/// <param name="RecipeMeta">JSON text describing the recipe.</param>
/// <param name="Signal">The signal number that ended the process, if one did.</param>
public sealed record JobRecord(
    string Id,
    long? BuildProjectId,
    JobKind Kind,
    string? Name,
    DateTimeOffset StartedAt,
    DateTimeOffset? StoppedAt = null,
    RunState State = RunState.Running,
    RunResult? Result = null,
    int? ExitCode = null,
    int? Signal = null,
    string? Message = null,
    bool Cached = false,
    string? RecipeHash = null,
    string? RecipeMeta = null,
    int? Pid = null,
    int? OwnerPid = null,
    string? LocalPath = null)
{
    /// <summary>Wall time from start to stop, when stopped.</summary>
    public TimeSpan? Duration => StoppedAt - StartedAt;
}

/// <summary>A job with the project and build it belongs to (either may be missing for a job saved without a project).</summary>
public sealed record JobView(JobRecord Job, ProjectRecord? Project, BuildRecord? Build)
{
    /// <summary>
    /// The step key as stored in <c>jobs.step_key</c>, when the store read it (a whole build's jobs do); null means
    /// not read, and <see cref="StepKeys.Of(JobView)"/> computes it.
    /// </summary>
    public string? StoredStepKey { get; init; }
}

/// <summary>A build with its projects and its jobs, most recent job first.</summary>
public sealed record BuildDetails(BuildRecord Build, IReadOnlyList<ProjectRecord> Projects, IReadOnlyList<JobView> Jobs);

/// <summary>A build with its job counts, for listing builds.</summary>
public sealed record BuildSummary(BuildRecord Build, int ProjectCount, int JobCount, int FailedJobCount);

/// <summary>Filters for <see cref="IJobStore.QueryJobs"/>; results come most recent first.</summary>
/// <param name="Project">A case-insensitive substring of the project name, path or registry name.</param>
/// <param name="BuildId">An exact build id (resolve prefixes with <c>JobSelectorResolver.ResolveBuild</c>).</param>
/// <param name="FlakyOnly">Only jobs whose recipe hash (or vertex digest) has both succeeded and failed.</param>
public sealed record JobQuery(
    bool FailedOnly = false,
    string? Project = null,
    string? BuildId = null,
    JobKind? Kind = null,
    int Limit = 20,
    int Offset = 0,
    BuildFilter? Where = null,
    bool FlakyOnly = false);

/// <summary>Builds (or the jobs of builds) that ran on a host or built a branch; null parts match anything.</summary>
/// <param name="Host">The host name, any case.</param>
/// <param name="Branch">The git branch, exactly.</param>
public sealed record BuildFilter(string? Host = null, string? Branch = null)
{
    public bool IsEmpty => Host is null && Branch is null;
}

/// <summary>What <c>store info</c> prints: the kind of store, where it is (never with a password), and its counts.</summary>
public sealed record StoreInfo(
    string Kind,
    string Location,
    int SchemaVersion,
    long Builds,
    long Projects,
    long Jobs,
    long Logs = 0,
    long LogBytes = 0);

