using BriocheJob.Brioche;
using BriocheJob.Diagnostics;
using BriocheJob.Jobs;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.Cli.Commands;

/// <summary>What a job selector names: a recorded job, an events file, or standard input (<c>-</c>).</summary>
internal sealed record JobTarget(JobView? Job, string? EventsPath, bool IsStandardInput)
{
    /// <summary>Set when the job's log is not on this machine but in the server store: <see cref="EventsPath"/> is then
    /// the cache file, written from the server's frames by <see cref="RequireEventsPath"/>.</summary>
    public IJobLogStore? ServerLogs { get; init; }

    public const string StandardInput = "-";

    /// <summary>
    /// Resolves a selector. Paths (with a <c>/</c> or ending in <c>.zst</c>) and <c>-</c> never open the store,
    /// so <c>logs ./events.bin.zst</c> works without a data home.
    /// </summary>
    public static JobTarget Resolve(CliContext context, string? selector, bool allowStandardInput)
    {
        if (selector == StandardInput)
        {
            return allowStandardInput
                ? new JobTarget(null, StandardInput, true)
                : throw Catalog.Commands.NoJobFromStandardInput.Exception();
        }

        if (selector is not null && (selector.Contains('/') || selector.EndsWith(".zst", StringComparison.OrdinalIgnoreCase)))
        {
            return new JobTarget(null, selector, false);
        }

        SelectorResolution resolution = context.Resolver.Resolve(selector);
        return resolution.IsFile
            ? new JobTarget(null, resolution.FilePath, false)
            : FromJob(context, resolution.Job!);
    }

    /// <summary>
    /// The job's events file: its recorded path when this machine has it, else (a server store holding the log as
    /// frames) a cache file in the data home, written from those frames when first needed, byte for byte the file.
    /// </summary>
    private static JobTarget FromJob(CliContext context, JobView job)
    {
        string? local = job.Job.LocalPath;
        if (local is not null && File.Exists(local) || context.Store is not IJobLogStore logs || logs.GetLogState(job.Job.Id) is null)
        {
            return new JobTarget(job, local, false);
        }

        string cached = Path.Combine(context.Home.EnsureLogCacheFolder(), job.Job.Id + ".events.bin.zst");
        return new JobTarget(job, cached, false) { ServerLogs = logs };
    }

    /// <summary>The events file of a recorded job, or BJ6010 when it has none or it is gone.</summary>
    public string RequireEventsPath()
    {
        if (Job is null)
        {
            return EventsPath!;
        }

        if (ServerLogs is not null && EventsPath is not null)
        {
            var state = ServerLogs.GetLogState(Job.Job.Id);
            bool fresh = state is { Complete: true } && File.Exists(EventsPath) && new FileInfo(EventsPath).Length == state.Value.Bytes;
            if (!fresh)
            {
                LogFrames.Download(ServerLogs, Job.Job.Id, EventsPath);
            }
        }

        if (string.IsNullOrEmpty(EventsPath))
        {
            throw Catalog.Commands.NoEventsFile.Exception(Job.Job.Id);
        }

        if (!File.Exists(EventsPath))
        {
            throw Catalog.Commands.EventsFileGone.Exception(Job.Job.Id, EventsPath);
        }

        return EventsPath;
    }

    /// <summary>A job record made from an events file alone (no store), named after its ULID folder when it has one.</summary>
    public static JobView FromLog(ProcessLog log, string path)
    {
        string? folder = path == StandardInput ? null : Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)));
        string id = folder is not null && Ulid.IsValid(folder) ? folder : path;
        DateTimeOffset fallback = path == StandardInput ? DateTimeOffset.UtcNow : File.GetLastWriteTimeUtc(path);
        (JobRecord job, string project) = BriocheImport.ToJob(id, log, path == StandardInput ? null : Path.GetFullPath(path), fallback);
        return new JobView(job, new ProjectRecord(0, "", JobKind.Brioche, project, null, null, null), null);
    }
}
