using System.Text.Json;
using BriocheJob.Brioche;
using BriocheJob.Diagnostics;
using BriocheJob.Store;

namespace BriocheJob.Recording;

/// <summary>What one <c>import brioche</c> did.</summary>
/// <param name="BuildId">The import build the new jobs went into; null when nothing was new.</param>
/// <param name="Warnings">One line per folder skipped because it could not be read.</param>
public sealed record BriocheImportResult(
    string ProcessTempDir,
    string? BuildId,
    int Imported,
    int AlreadyRecorded,
    int Failed,
    IReadOnlyList<string> Warnings);

/// <summary>
/// Records the jobs Brioche kept under <c>&lt;data&gt;/process-temp/&lt;ULID&gt;/events.bin.zst</c> (its failed jobs,
/// and any kept with <c>--keep-temps</c>) as one build of origin <see cref="BuildOrigin.Import"/>, with one project
/// per Brioche project found in the stack traces. The ULID folder name is the job id, so importing again only adds
/// folders not yet recorded. A folder that cannot be read is skipped with a warning; it never aborts the import.
/// </summary>
public static class BriocheImport
{
    public const string DataDirVariable = "BRIOCHE_DATA_DIR";
    public const string EventsFileName = "events.bin.zst";

    /// <summary>The project name for jobs whose stack trace names no project.</summary>
    public const string DefaultProjectName = "brioche";

    /// <summary>Brioche's data dir: <c>$BRIOCHE_DATA_DIR</c>, else <c>~/.local/share/brioche</c>.</summary>
    public static string DefaultDataDir(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        string? configured = getVariable(DataDirVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        string? home = getVariable("HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        return Path.Combine(home, ".local", "share", "brioche");
    }

    /// <summary>
    /// Imports from <paramref name="dataDir"/> into the store of <paramref name="home"/>. The import build is begun only
    /// when there is something new, so a repeated import leaves no empty build behind.
    /// </summary>
    /// <exception cref="BriocheJobException">BJ6014 when <c>&lt;dataDir&gt;/process-temp</c> does not exist.</exception>
    public static BriocheImportResult Import(string dataDir, DataHome home, IJobStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataDir);
        ArgumentNullException.ThrowIfNull(home);
        ArgumentNullException.ThrowIfNull(store);
        string processTemp = Path.GetFullPath(Path.Combine(dataDir, "process-temp"));
        if (!Directory.Exists(processTemp))
        {
            throw Catalog.Commands.BriocheDataDirNotFound.Exception(processTemp, DataDirVariable);
        }

        var warnings = new List<string>();
        var fresh = new List<(JobRecord Job, string Project)>();
        int already = 0;
        foreach (string folder in Directory.EnumerateDirectories(processTemp).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string id = Path.GetFileName(folder);
            if (!Ulid.IsValid(id))
            {
                continue;
            }

            if (store.JobExists(id))
            {
                already++;
                continue;
            }

            string events = Path.Combine(folder, EventsFileName);
            if (!File.Exists(events))
            {
                warnings.Add($"skipped {id}: no {EventsFileName} in {folder}");
                continue;
            }

            try
            {
                ProcessLog log = ProcessLog.Read(events, new ProcessLogOptions { Tail = 1 });
                fresh.Add(ToJob(id, log, events, File.GetLastWriteTimeUtc(events)));
            }
            catch (Exception ex) when (RecordingPolicy.IsRecordingFailure(ex))
            {
                string reason = ex is BriocheJobException coded ? $"{coded.Code}: {coded.Message}" : ex.Message;
                warnings.Add($"skipped {id}: {reason}");
            }
        }

        if (fresh.Count == 0)
        {
            return new BriocheImportResult(processTemp, null, 0, already, 0, warnings);
        }

        using var session = RecordingSession.Begin(new RecordingOptions(BuildOrigin.Import, home.Root, WorkingDirectory: dataDir));
        var projects = new Dictionary<string, long>(StringComparer.Ordinal);
        var jobs = new List<JobRecord>(fresh.Count);
        foreach ((JobRecord job, string project) in fresh)
        {
            if (!projects.TryGetValue(project, out long projectId))
            {
                projectId = session.AddProject(new ProjectRequest(JobKind.Brioche, Name: project)).Id;
                projects[project] = projectId;
            }

            jobs.Add(job with { BuildProjectId = projectId });
        }

        session.Store.SaveJobs(jobs);
        // A parallel import of the same folder may have recorded some of them first; those stay in its build.
        List<JobRecord> ours = jobs.Where(j => session.Store.GetJob(j.Id)?.Build?.Id == session.Build.Id).ToList();
        already += jobs.Count - ours.Count;
        if (session.Store.DiscardIfEmpty(session.Build.Id))
        {
            return new BriocheImportResult(processTemp, null, 0, already, 0, warnings);
        }

        int failed = ours.Count(j => j.Result == RunResult.Failed);
        session.Finish(RunState.Finished, failed > 0 ? RunResult.Failed : RunResult.Succeeded);
        return new BriocheImportResult(processTemp, session.Build.Id, ours.Count, already, failed, warnings);
    }

    /// <summary>
    /// The job an events file describes, and its project name (the outermost stack frame naming a project, else
    /// <see cref="DefaultProjectName"/>). Start: the Description's <c>createdAt</c> (else <paramref name="fallbackStart"/>);
    /// stop: start plus the last event's elapsed time; result from the exit event, interrupted without one.
    /// </summary>
    public static (JobRecord Job, string Project) ToJob(string id, ProcessLog log, string? localPath, DateTimeOffset fallbackStart)
    {
        ArgumentNullException.ThrowIfNull(log);
        ProcessDescription? description = log.Description;
        DateTimeOffset started = description?.CreatedAt ?? fallbackStart;
        long? lastElapsed = log.Exit?.ElapsedMilliseconds;
        if (lastElapsed is null && log.OutputLines.Count > 0)
        {
            // Output lines count from the spawn; events count from the description.
            lastElapsed = (log.OutputLines[^1].ElapsedMilliseconds ?? 0) + (log.Spawned?.ElapsedMilliseconds ?? 0);
        }

        lastElapsed ??= log.Spawned?.ElapsedMilliseconds;
        (RunState state, RunResult? result, int? code, int? signal, string? message) = log.Exit switch
        {
            // A step that ran no process (a description with no command, or a cached step) has no exit code, as its
            // `logs` has no exit line (or the cached one).
            ExitedEvent { ExitCode: 0 } when description is { RunsNoProcess: true } or { Cached: true } =>
                (RunState.Finished, RunResult.Succeeded, (int?)null, (int?)null, (string?)null),
            ExitedEvent e => (RunState.Finished, e.ExitCode == 0 ? RunResult.Succeeded : RunResult.Failed, (int?)e.ExitCode, (int?)null, (string?)null),
            ExitedWithSignalEvent s => (RunState.Finished, RunResult.Failed, null, s.Signal, null),
            ExitedWithMessageEvent m => (RunState.Finished, RunResult.Failed, null, null, m.Message),
            _ => (RunState.Interrupted, (RunResult?)null, (int?)null, (int?)null, (string?)null),
        };

        string? name = description is null ? null : ShellQuoting.JobName(description.CommandDisplay, description.ArgsDisplay);
        var job = new JobRecord(
            Id: id,
            BuildProjectId: null,
            Kind: JobKind.Brioche,
            Name: name,
            StartedAt: started,
            StoppedAt: lastElapsed is { } ms ? started.AddMilliseconds(ms) : null,
            State: state,
            Result: result,
            ExitCode: code,
            Signal: signal,
            Message: message,
            Cached: description?.Cached == true,
            RecipeHash: description?.RecipeHash,
            RecipeMeta: description is null ? null : JsonSerializer.Serialize(description.Meta, ProcessDescription.JsonOptions),
            Pid: log.Spawned is { } spawned ? (int)spawned.Pid : null,
            LocalPath: localPath);
        return (job, ProjectOf(description));
    }

    private static string ProjectOf(ProcessDescription? description)
    {
        List<RecipeStackFrame>? frames = description?.Meta.Source;
        if (frames is not null)
        {
            // Frames run innermost first; the outermost one naming a project is the project being built.
            for (int i = frames.Count - 1; i >= 0; i--)
            {
                if (!string.IsNullOrEmpty(frames[i].ProjectName))
                {
                    return frames[i].ProjectName!;
                }
            }
        }

        return DefaultProjectName;
    }
}
