using System.ComponentModel;
using System.Diagnostics;
using BriocheJob.Brioche;
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
/// Recording never breaks the build: store and file failures become <see cref="IBriocheBuildObserver.Warning"/>s.
/// Cancelling kills brioche's whole process tree and records its running jobs and the build as cancelled.
/// </para>
/// </summary>
public sealed class BriocheBuildRecorder
{
    private readonly BriocheBuildOptions _options;
    private readonly IBriocheBuildObserver _observer;
    private readonly object _storeGate = new();
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

        _session = TryRecord("begin the build", () => RecordingSession.Begin(
            new RecordingOptions(_options.Origin, _options.Home, _options.ExternalBuildId, _options.WorkingDirectory,
                _options.Store, _observer.Warning)));
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
            throw new BriocheJobException(BriocheBuildCodes.InvalidProject, ErrorKind.Usage, "a Brioche project has an empty path or registry name");
        }

        if (!project.IsRegistry && !Directory.Exists(project.LocalDirectory))
        {
            throw new BriocheJobException(BriocheBuildCodes.InvalidProject, ErrorKind.Usage,
                $"Brioche project folder '{project.LocalDirectory}' does not exist (set Registry=\"true\" on the item for a registry project)");
        }
    }

    private async Task<BriocheProjectOutcome> RunProjectAsync(BriocheProjectSpec project, CancellationToken cancellationToken)
    {
        var projectRecord = _session is { } session
            ? TryRecord("record the project", () => session.AddProject(new ProjectRequest(
                JobKind.Brioche, project.Name, LocalProjectPath: project.LocalDirectory,
                RegistryProjectName: project.IsRegistry ? project.Source : null)))
            : null;
        var arguments = project.BuildArguments();
        _observer.ProjectStarted(project, arguments);

        var dataDir = _options.BriocheDataDir is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : BriocheBuildOptions.DefaultBriocheDataDir();
        var processTemp = Path.Combine(dataDir, "process-temp");
        var trackers = new List<BriocheJobTracker>();
        var trackerTasks = new List<Task>();
        var errors = new List<BriocheProjectError>();
        var tail = new Queue<string>();
        var launch = new BriocheLaunch();

        using var watcher = new BriocheProcessTempWatcher(processTemp, _options.PollInterval, folder =>
        {
            var id = Path.GetFileName(folder);
            // Other brioche runs may share process-temp: the tracker calls back (and copies the log) only once the
            // job is known to be ours.
            var tracker = new BriocheJobTracker(id, folder, _session?.Home, _options.PollInterval, launch)
            {
                Described = t => OnJobDescribed(project, projectRecord, t),
                Spawned = t => SaveJob(RunningJob(projectRecord, t)),
                Warn = message => _observer.Warning(BriocheBuildCodes.RecordingFailed, message),
            };
            lock (trackers)
            {
                trackers.Add(tracker);
                trackerTasks.Add(tracker.Start());
            }
        });

        var start = new ProcessStartInfo(_options.BriocheExe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _options.WorkingDirectory ?? project.LocalDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BRIOCHE_DATA_DIR"] = dataDir;

        Process? process = null;
        launch.Begin();
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process was started");
        }
        catch (Win32Exception e)
        {
            throw new BriocheJobException(BriocheBuildCodes.BriocheNotFound, ErrorKind.Unavailable,
                $"cannot run '{_options.BriocheExe}': {e.Message}. Install Brioche (https://brioche.dev) or set BriocheExe to its path", e);
        }
        finally
        {
            launch.Started(process?.Id);
        }

        int? exitCode = null;
        var cancelled = false;
        using (process)
        {
            process.StandardInput.Close();
            void OnLine(string? line, bool isError)
            {
                if (line is null)
                {
                    return;
                }

                var clean = BriocheOutputParser.StripAnsi(line);
                lock (tail)
                {
                    if (BriocheOutputParser.ParseProjectError(clean) is { } error)
                    {
                        errors.Add(error);
                    }

                    tail.Enqueue(clean);
                    if (tail.Count > 50)
                    {
                        tail.Dequeue();
                    }
                }

                _observer.OutputLine(project, isError, clean);
            }

            var stdout = PumpLinesAsync(process.StandardOutput, line => OnLine(line, false));
            var stderr = PumpLinesAsync(process.StandardError, line => OnLine(line, true));
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                exitCode = process.ExitCode;
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It exited on its own meanwhile.
                }

                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        }

        // Folders brioche created just before exiting may not have been noticed yet.
        watcher.ScanNow();
        watcher.Dispose();
        Task[] pending;
        lock (trackers)
        {
            trackers.ForEach(t => t.Stop());
            pending = trackerTasks.ToArray();
        }

        var drained = Task.WhenAll(pending);
        if (await Task.WhenAny(drained, Task.Delay(_options.DrainTimeout)).ConfigureAwait(false) != drained)
        {
            _observer.Warning(BriocheBuildCodes.RecordingFailed, $"job logs were still being copied after {_options.DrainTimeout}; they may be incomplete");
        }

        var jobs = new List<JobRecord>();
        foreach (var tracker in trackers.Where(t => !t.IsForeign))
        {
            var job = FinishedJob(projectRecord, tracker, cancelled);
            SaveJob(job);
            jobs.Add(job);
            _observer.JobFinished(project, job);
        }

        var failedJob = FindFailedJob(errors, jobs);
        return new BriocheProjectOutcome(project, projectRecord?.Id, exitCode, cancelled, errors, jobs, failedJob, tail.ToList());
    }

    private void OnJobDescribed(BriocheProjectSpec project, ProjectRecord? projectRecord, BriocheJobTracker tracker)
    {
        var job = RunningJob(projectRecord, tracker);
        SaveJob(job);
        _observer.JobStarted(project, job);
    }

    private static JobRecord RunningJob(ProjectRecord? projectRecord, BriocheJobTracker tracker) => new(
        tracker.JobId,
        projectRecord?.Id,
        JobKind.Brioche,
        tracker.DisplayName(),
        tracker.Description?.CreatedAt ?? tracker.DiscoveredAt,
        RecipeHash: tracker.Description?.RecipeHash,
        RecipeMeta: tracker.MetaJson(),
        Pid: tracker.Pid,
        OwnerPid: Environment.ProcessId,
        LocalPath: tracker.CopyPath ?? tracker.BriocheEventsPath);

    private static JobRecord FinishedJob(ProjectRecord? projectRecord, BriocheJobTracker tracker, bool cancelled)
    {
        var running = RunningJob(projectRecord, tracker);
        var folderKept = Directory.Exists(tracker.Folder);
        var localPath = tracker.CopyPath is { } copy && File.Exists(copy) ? copy
            : folderKept && File.Exists(tracker.BriocheEventsPath) ? tracker.BriocheEventsPath
            : null;
        var stoppedAt = tracker.Exit is { } exitEvent && tracker.Description?.CreatedAt is { } created
            ? created + exitEvent.Elapsed
            : DateTimeOffset.UtcNow;
        var job = running with { StoppedAt = stoppedAt, LocalPath = localPath };
        return FromExit(job, tracker, folderKept, cancelled);
    }

    private static JobRecord FromExit(JobRecord job, BriocheJobTracker tracker, bool folderKept, bool cancelled)
    {
        switch (tracker.Exit)
        {
            case ExitedEvent exited:
                return job with { State = RunState.Finished, Result = exited.ExitCode == 0 ? RunResult.Succeeded : RunResult.Failed, ExitCode = exited.ExitCode };
            case ExitedWithSignalEvent signal:
                return job with { State = RunState.Finished, Result = RunResult.Failed, Signal = signal.Signal };
            case ExitedWithMessageEvent message:
                return job with { State = RunState.Finished, Result = RunResult.Failed, Message = message.Message };
        }

        if (!folderKept && !cancelled)
        {
            // Brioche removes a job's folder only when the process succeeded.
            return job with
            {
                State = RunState.Finished,
                Result = RunResult.Succeeded,
                ExitCode = 0,
                Message = tracker.LogCaptured ? null : $"log not recorded: {tracker.Problem}",
            };
        }

        if (cancelled)
        {
            return job with { State = RunState.Cancelled, Message = "cancelled: brioche was stopped before the process exited" };
        }

        return job with
        {
            State = RunState.Interrupted,
            Result = RunResult.Failed,
            Message = "brioche ended before the process exited (the log has no exit event)",
        };
    }

    private static JobRecord? FindFailedJob(IReadOnlyList<BriocheProjectError> errors, IReadOnlyList<JobRecord> jobs)
    {
        foreach (var error in errors)
        {
            if (error.JobId is { } id && jobs.FirstOrDefault(j => string.Equals(j.Id, id, StringComparison.OrdinalIgnoreCase)) is { } pointed)
            {
                return pointed;
            }
        }

        return jobs.FirstOrDefault(j => j.Result == RunResult.Failed) ?? jobs.FirstOrDefault(j => j.State == RunState.Cancelled);
    }

    private static async Task PumpLinesAsync(StreamReader reader, Action<string?> onLine)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            onLine(line);
        }
    }

    private void SaveJob(JobRecord job)
    {
        if (_session is { } session)
        {
            TryRecord($"record job {job.Id}", () => session.SaveJob(job));
        }
    }

    private T? TryRecord<T>(string what, Func<T> action) where T : class
    {
        try
        {
            lock (_storeGate)
            {
                return action();
            }
        }
        catch (Exception e) when (e is BriocheJobException or IOException or UnauthorizedAccessException or InvalidOperationException
                                      or Microsoft.Data.Sqlite.SqliteException)
        {
            _observer.Warning(BriocheBuildCodes.RecordingFailed, $"could not {what}: {e.Message}");
            return null;
        }
    }

    private void TryRecord(string what, Action action) => TryRecord<object>(what, () =>
    {
        action();
        return new object();
    });

    private sealed class NullObserver : IBriocheBuildObserver;
}
