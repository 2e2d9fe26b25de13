using System.ComponentModel;
using System.Diagnostics;
using BriocheJob.Brioche;
using BriocheJob.Diagnostics;
using BriocheJob.Store;

namespace BriocheJob.Recording;

/// <summary>
/// One <c>brioche build</c> of one project, recorded: watch process-temp for its jobs, run brioche and read its
/// output, then wait for the job logs to be copied and record each job's end. Made and run once by
/// <see cref="BriocheBuildRecorder"/>, which owns the session.
/// </summary>
internal sealed class BriocheProjectRun
{
    /// <summary>How many of brioche's last output lines an outcome keeps.</summary>
    private const int TailLines = 50;

    private readonly BriocheBuildOptions _options;
    private readonly BriocheProjectSpec _project;
    private readonly ProjectRecord? _projectRecord;
    private readonly DataHome? _home;
    private readonly IBriocheBuildObserver _observer;
    private readonly Action<JobRecord> _saveJob;
    private readonly List<BriocheJobTracker> _trackers = [];
    private readonly List<Task> _trackerTasks = [];
    private readonly List<BriocheProjectError> _errors = [];
    private readonly Queue<string> _tail = new();
    private readonly BriocheLaunch _launch = new();

    public BriocheProjectRun(BriocheBuildOptions options, BriocheProjectSpec project, ProjectRecord? projectRecord,
        DataHome? home, IBriocheBuildObserver observer, Action<JobRecord> saveJob)
    {
        _options = options;
        _project = project;
        _projectRecord = projectRecord;
        _home = home;
        _observer = observer;
        _saveJob = saveJob;
    }

    /// <summary>Runs brioche for the project; throws BJ3002 when it cannot be started.</summary>
    public async Task<BriocheProjectOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var arguments = _project.BuildArguments();
        _observer.ProjectStarted(_project, arguments);
        var dataDir = _options.BriocheDataDir is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : BriocheBuildOptions.DefaultBriocheDataDir();

        int? exitCode;
        bool cancelled;
        using (var watcher = new BriocheProcessTempWatcher(Path.Combine(dataDir, "process-temp"), _options.PollInterval, Track))
        {
            (exitCode, cancelled) = await RunBriocheAsync(arguments, dataDir, cancellationToken).ConfigureAwait(false);
            // Folders brioche created just before exiting may not have been noticed yet.
            watcher.ScanNow();
        }

        await DrainTrackersAsync().ConfigureAwait(false);
        var jobs = new List<JobRecord>();
        foreach (var tracker in _trackers.Where(t => !t.IsForeign))
        {
            var job = FinishedJob(_projectRecord, tracker, cancelled);
            _saveJob(job);
            jobs.Add(job);
            _observer.JobFinished(_project, job);
        }

        return new BriocheProjectOutcome(_project, _projectRecord?.Id, exitCode, cancelled, _errors, jobs,
            FindFailedJob(_errors, jobs), _tail.ToList());
    }

    /// <summary>A new process-temp folder: track it as a job (it calls back, and copies the log, only once it is ours).</summary>
    private void Track(string folder)
    {
        // Other brioche runs may share process-temp: the tracker checks the job's process descends from ours.
        var tracker = new BriocheJobTracker(Path.GetFileName(folder), folder, _home, _options.PollInterval, _launch)
        {
            Described = OnJobDescribed,
            Spawned = t => _saveJob(RunningJob(_projectRecord, t)),
            Exited = t => _saveJob(FinishedJob(_projectRecord, t, cancelled: false)),
            Warn = message => _observer.Problem(Catalog.BriocheBuild.RecordingFailed, message),
        };
        lock (_trackers)
        {
            _trackers.Add(tracker);
            _trackerTasks.Add(tracker.Start());
        }
    }

    private void OnJobDescribed(BriocheJobTracker tracker)
    {
        var job = RunningJob(_projectRecord, tracker);
        _saveJob(job);
        _observer.JobStarted(_project, job);
    }

    /// <summary>Starts brioche, reads its output and waits for it; cancelling kills its whole process tree.</summary>
    private async Task<(int? ExitCode, bool Cancelled)> RunBriocheAsync(IReadOnlyList<string> arguments, string dataDir,
        CancellationToken cancellationToken)
    {
        using var process = Start(arguments, dataDir);
        process.StandardInput.Close();
        var stdout = PumpLinesAsync(process.StandardOutput, line => OnLine(line, false));
        var stderr = PumpLinesAsync(process.StandardError, line => OnLine(line, true));
        int? exitCode = null;
        var cancelled = false;
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
        return (exitCode, cancelled);
    }

    private Process Start(IReadOnlyList<string> arguments, string dataDir)
    {
        var start = new ProcessStartInfo(_options.BriocheExe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _options.WorkingDirectory ?? _project.LocalDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BRIOCHE_DATA_DIR"] = dataDir;
        Process? process = null;
        _launch.Begin();
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process was started");
            return process;
        }
        catch (Win32Exception e)
        {
            throw Catalog.BriocheBuild.BriocheNotFound.ExceptionFrom(e, _options.BriocheExe, e.Message);
        }
        finally
        {
            _launch.Started(process?.Id);
        }
    }

    private void OnLine(string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }

        var clean = BriocheOutputParser.StripAnsi(line);
        lock (_tail)
        {
            if (BriocheOutputParser.ParseProjectError(clean) is { } error)
            {
                _errors.Add(error);
            }

            _tail.Enqueue(clean);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }

        _observer.OutputLine(_project, isError, clean);
    }

    /// <summary>Stops the trackers and gives their log copies <see cref="BriocheBuildOptions.DrainTimeout"/> to finish.</summary>
    private async Task DrainTrackersAsync()
    {
        Task[] pending;
        lock (_trackers)
        {
            _trackers.ForEach(t => t.Stop());
            pending = _trackerTasks.ToArray();
        }

        var drained = Task.WhenAll(pending);
        if (await Task.WhenAny(drained, Task.Delay(_options.DrainTimeout)).ConfigureAwait(false) != drained)
        {
            _observer.Problem(Catalog.BriocheBuild.RecordingFailed, Catalog.BriocheBuild.LogsStillCopying.Message(_options.DrainTimeout));
        }
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
}
