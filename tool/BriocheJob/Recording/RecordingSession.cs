using BriocheJob.Diagnostics;
using BriocheJob.Provenance;
using BriocheJob.Store;

namespace BriocheJob.Recording;

/// <summary>Where and how a recording starts: the data home, the build to join, and who records it.</summary>
/// <param name="Home">An explicit data home (the MSBuild property <c>BriocheJobHome</c>); null for the environment's.</param>
/// <param name="ExternalBuildId">Joins the build with this external id (the MSBuild property <c>BriocheJobBuildId</c>).</param>
/// <param name="Store">The store location (the MSBuild property <c>BriocheJobStore</c>); null for <c>BRIOCHE_JOB_STORE</c> or the embedded store.</param>
/// <param name="Warn">Receives a coded warning (code, message) when the server cannot record and jobs go to the spool.</param>
public sealed record RecordingOptions(
    BuildOrigin Origin,
    string? Home = null,
    string? ExternalBuildId = null,
    string? WorkingDirectory = null,
    string? Store = null,
    Action<string, string>? Warn = null);

/// <summary>
/// One build being recorded: the open store, the build row, and the data home for job files. The one entry point
/// of recording: the Brioche and Docker recorders and the imports begin and finish every build here, and record
/// through <see cref="Try(string, string, Action)"/>, which applies the one recording-failure policy
/// (<see cref="RecordingPolicy"/>) and reports to the one observer.
/// </summary>
public sealed class RecordingSession : IDisposable
{
    private readonly object _gate = new();
    private IRecordingObserver? _observer;

    private RecordingSession(DataHome home, IJobStore store, BuildRecord build)
    {
        Home = home;
        Store = store;
        Build = build;
    }

    public DataHome Home { get; }

    public IJobStore Store { get; }

    public BuildRecord Build { get; }

    /// <summary>Opens the store (creating the home if needed) and begins, or rejoins, the build.</summary>
    public static RecordingSession Begin(RecordingOptions options)
    {
        var home = string.IsNullOrWhiteSpace(options.Home) ? DataHome.FromEnvironment() : new DataHome(options.Home);
        StoreLocation location = StoreLocation.Resolve(options.Store, Environment.GetEnvironmentVariable);
        var store = JobStores.OpenForRecording(location, home, options.Warn ?? ((_, _) => { }));
        try
        {
            var workingDirectory = options.WorkingDirectory ?? Environment.CurrentDirectory;
            var build = store.BeginBuild(new BuildRequest(
                options.Origin,
                string.IsNullOrWhiteSpace(options.ExternalBuildId) ? null : options.ExternalBuildId,
                workingDirectory,
                Environment.ProcessId,
                Provenance: BuildProvenanceDetector.Detect(workingDirectory)));
            return new RecordingSession(home, store, build);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Begins the build as <see cref="Begin"/> does, but a recording failure (no usable home, a locked store) is a
    /// <paramref name="problem"/> for <paramref name="observer"/> (with <paramref name="args"/>, then the why) and null:
    /// the build then runs unrecorded.
    /// </summary>
    public static RecordingSession? TryBegin(RecordingOptions options, IRecordingObserver? observer, IDiagnosticMessage problem,
        params object?[] args)
    {
        // A server that cannot record makes the build go on into the spool, with one coded warning to this observer.
        var session = RecordingPolicy.Try(observer, problem,
            () => Begin(options.Warn is null && observer is not null ? options with { Warn = observer.Problem } : options), args);
        if (session is not null)
        {
            session._observer = observer;
        }

        return session;
    }

    /// <summary>
    /// Records something (one at a time: recorders call from several threads); a recording failure is reported as
    /// the catalogue's <paramref name="problem"/> (with <paramref name="args"/>, then the why) to the session's
    /// observer and returns false.
    /// </summary>
    public bool Try(IDiagnosticMessage problem, Action record, params object?[] args)
    {
        lock (_gate)
        {
            return RecordingPolicy.Try(_observer, problem, record, args);
        }
    }

    /// <summary>As <see cref="Try(IDiagnosticMessage, Action, object?[])"/>, returning what was recorded (null when it failed).</summary>
    public T? Try<T>(IDiagnosticMessage problem, Func<T> record, params object?[] args)
        where T : class
    {
        lock (_gate)
        {
            return RecordingPolicy.Try(_observer, problem, record, args);
        }
    }

    public ProjectRecord AddProject(ProjectRequest project) => Store.AddProject(Build.Id, project);

    public void SaveJob(JobRecord job) => Store.SaveJob(job);

    /// <summary>Ends the build; a build shared with other recorders keeps its worst result.</summary>
    public void Finish(RunState state, RunResult? result)
    {
        Store.FinishBuild(Build.Id, state, result, DateTimeOffset.UtcNow);
    }

    /// <summary>Closes the store. A build never finished is left running: reads report it interrupted once this process is gone.</summary>
    public void Dispose()
    {
        Store.Dispose();
    }
}
