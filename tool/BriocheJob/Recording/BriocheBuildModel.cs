using BriocheJob.Store;

namespace BriocheJob.Recording;

/// <summary>
/// One Brioche project to build (an MSBuild <c>BriocheProject</c> item): a local project folder (<c>-p DIR</c>) or
/// a registry project (<c>-r NAME</c>), with Brioche's own flags.
/// </summary>
/// <param name="Source">The project folder, or the registry project's name when <paramref name="IsRegistry"/>.</param>
/// <param name="Export">Brioche's <c>-e</c>; null builds the default export.</param>
/// <param name="Output">Brioche's <c>-o</c>; null keeps the result in Brioche's store only.</param>
public sealed record BriocheProjectSpec(
    string Source,
    bool IsRegistry = false,
    string? Export = null,
    string? Output = null,
    bool Check = false,
    bool Locked = false,
    bool KeepTemps = false)
{
    /// <summary>The local project's folder as an absolute path; null for registry projects.</summary>
    public string? LocalDirectory => IsRegistry ? null : Path.GetFullPath(Source);

    /// <summary>The local project's <c>project.bri</c>; null for registry projects.</summary>
    public string? ProjectFile => LocalDirectory is { } dir ? Path.Combine(dir, "project.bri") : null;

    /// <summary>A short name: the folder or registry name, with <c>^export</c> when not the default.</summary>
    public string Name
    {
        get
        {
            var name = IsRegistry ? Source : Path.GetFileName(Path.TrimEndingDirectorySeparator(LocalDirectory!));
            return string.IsNullOrEmpty(Export) || Export == "default" ? name : $"{name}^{Export}";
        }
    }

    /// <summary>The arguments of <c>brioche build</c> for this project.</summary>
    public IReadOnlyList<string> BuildArguments()
    {
        List<string> args = ["build"];
        args.AddRange(IsRegistry ? ["-r", Source] : ["-p", LocalDirectory!]);
        if (!string.IsNullOrEmpty(Export))
        {
            args.AddRange(["-e", Export]);
        }

        if (!string.IsNullOrEmpty(Output))
        {
            args.AddRange(["-o", Path.GetFullPath(Output)]);
        }

        if (Check)
        {
            args.Add("--check");
        }

        if (Locked)
        {
            args.Add("--locked");
        }

        if (KeepTemps)
        {
            args.Add("--keep-temps");
        }

        return args;
    }
}

/// <summary>How <see cref="BriocheBuildRecorder"/> runs brioche and where it records.</summary>
public sealed record BriocheBuildOptions
{
    /// <summary>The brioche executable: a name looked up on PATH or a path.</summary>
    public string BriocheExe { get; init; } = "brioche";

    /// <summary>The data home (MSBuild <c>BriocheJobHome</c>); null for the environment's.</summary>
    public string? Home { get; init; }

    /// <summary>The build to join (MSBuild <c>BriocheJobBuildId</c>).</summary>
    public string? ExternalBuildId { get; init; }

    public BuildOrigin Origin { get; init; } = BuildOrigin.MsBuild;

    public string? WorkingDirectory { get; init; }

    /// <summary>The store location (the MSBuild property <c>BriocheJobStore</c>); null for the environment's or the embedded store.</summary>
    public string? Store { get; init; }

    /// <summary>Brioche's data folder; null uses <c>$BRIOCHE_DATA_DIR</c>, else <c>~/.local/share/brioche</c>.</summary>
    public string? BriocheDataDir { get; init; }

    /// <summary>How often process-temp is rescanned (a backstop to the file-system watcher).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long to wait, after brioche has exited, for job logs to be copied.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Brioche's data folder from <paramref name="getVariable"/>: <c>$BRIOCHE_DATA_DIR</c>, else <c>~/.local/share/brioche</c>.</summary>
    public static string DefaultBriocheDataDir(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        if (getVariable("BRIOCHE_DATA_DIR") is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        var home = getVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".local", "share", "brioche");
    }
}

/// <summary>Hears what a recorded Brioche build does, as it happens (the MSBuild task logs from here). Called from any thread.</summary>
public interface IBriocheBuildObserver : IRecordingObserver
{
    void ProjectStarted(BriocheProjectSpec project, IReadOnlyList<string> arguments) { }

    void OutputLine(BriocheProjectSpec project, bool isError, string line) { }

    void JobStarted(BriocheProjectSpec project, JobRecord job) { }

    void JobFinished(BriocheProjectSpec project, JobRecord job) { }

    void ProjectFinished(BriocheProjectOutcome outcome) { }
}

/// <summary>What happened to one project.</summary>
/// <param name="ExitCode">brioche's exit code; null when it was cancelled before it exited by itself.</param>
/// <param name="Errors">Brioche's <c>Error occurred with …</c> lines for this run.</param>
/// <param name="Jobs">Every job recorded for the project, in the order they appeared.</param>
/// <param name="FailedJob">The job Brioche's error points at, else the first failed job.</param>
public sealed record BriocheProjectOutcome(
    BriocheProjectSpec Project,
    long? ProjectRecordId,
    int? ExitCode,
    bool Cancelled,
    IReadOnlyList<BriocheProjectError> Errors,
    IReadOnlyList<JobRecord> Jobs,
    JobRecord? FailedJob,
    IReadOnlyList<string> OutputTail)
{
    public bool Succeeded => !Cancelled && ExitCode == 0;

    /// <summary>Brioche's own message for the failure: its error line for this project, else its last output line.</summary>
    public string? FailureMessage =>
        Errors.Count > 0 ? string.Join("; ", Errors.Select(e => e.Message)) : OutputTail.LastOrDefault(l => !string.IsNullOrWhiteSpace(l));
}

/// <summary>What happened to the whole recorded build.</summary>
/// <param name="BuildId">The recorded build's id; null when recording could not start.</param>
public sealed record BriocheBuildOutcome(string? BuildId, IReadOnlyList<BriocheProjectOutcome> Projects, bool Cancelled)
{
    public bool Succeeded => !Cancelled && Projects.All(p => p.Succeeded);

    public IEnumerable<JobRecord> Jobs => Projects.SelectMany(p => p.Jobs);
}
