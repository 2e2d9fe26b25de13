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
/// One build being recorded: the open store, the build row, and the data home for job files.
/// Shared by the MSBuild tasks and the imports, so every recorder begins and ends a build the same way.
/// </summary>
public sealed class RecordingSession : IDisposable
{
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
            var build = store.BeginBuild(new BuildRequest(
                options.Origin,
                string.IsNullOrWhiteSpace(options.ExternalBuildId) ? null : options.ExternalBuildId,
                options.WorkingDirectory ?? Environment.CurrentDirectory,
                Environment.ProcessId));
            return new RecordingSession(home, store, build);
        }
        catch
        {
            store.Dispose();
            throw;
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
