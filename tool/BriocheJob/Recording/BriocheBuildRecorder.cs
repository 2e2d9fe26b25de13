using BriocheJob.Brioche;
using BriocheJob.Diagnostics;
using BriocheJob.Store;

namespace BriocheJob.Recording;

/// <summary>
/// Runs <c>brioche build</c> once per project and records the build, one <c>build_projects</c> row per project and
/// one job per process-temp folder that appears while it runs (the folder's ULID is the job id) and whose process
/// descends from our brioche: other brioche runs sharing the data dir (parallel MSBuild nodes) are left out.
/// <para>
/// A job's log is copied, as it is written, to <c>&lt;home&gt;/jobs/&lt;id&gt;/events.bin.zst</c>, and the job's
/// <c>local_path</c> points at that copy: Brioche deletes the folder of a job that succeeds, and may garbage-collect
/// kept ones later. At the end a folder that is gone means the job succeeded; a kept folder's exit event gives the
/// failure (exit code, signal or message); no exit event means brioche stopped before the process did.
/// </para>
/// <para>
/// Recording never breaks the build: store and file failures become <see cref="IRecordingObserver.Problem"/>s.
/// Cancelling kills brioche's whole process tree and records its running jobs and the build as cancelled.
/// </para>
/// </summary>
public sealed class BriocheBuildRecorder
{
    private readonly BriocheBuildOptions _options;
    private readonly IBriocheBuildObserver _observer;
    private RecordingSession? _session;

    public BriocheBuildRecorder(BriocheBuildOptions options, IBriocheBuildObserver? observer = null)
    {
        _options = options;
        _observer = observer ?? new NullObserver();
    }

    /// <summary>
    /// Builds <paramref name="projects"/> one after the other. Throws <see cref="BriocheJobException"/> BJ3002 when
    /// brioche cannot be started and BJ3003 for an unusable project; Brioche's own failures are in the outcome.
    /// </summary>
    public async Task<BriocheBuildOutcome> RunAsync(IReadOnlyList<BriocheProjectSpec> projects, CancellationToken cancellationToken = default)
    {
        foreach (var project in projects)
        {
            Validate(project);
        }

        _session = RecordingSession.TryBegin(
            new RecordingOptions(_options.Origin, _options.Home, _options.ExternalBuildId, _options.WorkingDirectory, _options.Store),
            _observer, Catalog.BriocheBuild.RecordingFailed, "begin the build");
        var outcomes = new List<BriocheProjectOutcome>();
        var cancelled = false;
        RunResult? buildResult = null;
        try
        {
            foreach (var project in projects)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    cancelled = true;
                    break;
                }

                var outcome = await RunProjectAsync(project, cancellationToken).ConfigureAwait(false);
                outcomes.Add(outcome);
                _observer.ProjectFinished(outcome);
                if (outcome.Cancelled)
                {
                    cancelled = true;
                    break;
                }
            }

            buildResult = outcomes.All(o => o.Succeeded) ? RunResult.Succeeded : RunResult.Failed;
            return new BriocheBuildOutcome(_session?.Build.Id, outcomes, cancelled);
        }
        finally
        {
            if (_session is { } session)
            {
                if (cancelled)
                {
                    TryRecord("finish the build", () => session.Finish(RunState.Cancelled, null));
                }
                else
                {
                    // An exception (brioche missing) leaves buildResult null: the build failed.
                    TryRecord("finish the build", () => session.Finish(RunState.Finished, buildResult ?? RunResult.Failed));
                }

                TryRecord("close the store", session.Dispose);
                _session = null;
            }
        }
    }

    private static void Validate(BriocheProjectSpec project)
    {
        if (string.IsNullOrWhiteSpace(project.Source))
        {
            throw Catalog.BriocheBuild.EmptyProjectSource.Exception();
        }

        if (!project.IsRegistry && !Directory.Exists(project.LocalDirectory))
        {
            throw Catalog.BriocheBuild.InvalidProject.Exception(project.LocalDirectory);
        }
    }

    private async Task<BriocheProjectOutcome> RunProjectAsync(BriocheProjectSpec project, CancellationToken cancellationToken)
    {
        var projectRecord = _session is { } session
            ? TryRecord("record the project", () => session.AddProject(new ProjectRequest(
                JobKind.Brioche, project.Name, LocalProjectPath: project.LocalDirectory,
                RegistryProjectName: project.IsRegistry ? project.Source : null)))
            : null;
        var run = new BriocheProjectRun(_options, project, projectRecord, _session?.Home, _observer, SaveJob);
        return await run.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private void SaveJob(JobRecord job)
    {
        if (_session is { } session)
        {
            TryRecord($"record job {job.Id}", () => session.SaveJob(job));
        }
    }

    private T? TryRecord<T>(string what, Func<T> action)
        where T : class =>
        _session?.Try(Catalog.BriocheBuild.RecordingFailed, action, what);

    private void TryRecord(string what, Action action) =>
        _session?.Try(Catalog.BriocheBuild.RecordingFailed, action, what);

    private sealed class NullObserver : IBriocheBuildObserver;
}
