using BriocheJob.Brioche;
using BriocheJob.Jobs;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.Cli.Commands;

/// <summary>What a job selector names: a recorded job, an events file, or standard input (<c>-</c>).</summary>
internal sealed record JobTarget(JobView? Job, string? EventsPath, bool IsStandardInput)
{
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
                : throw CommandOptions.Invalid("this command cannot read a job from standard input; give a job selector or an events file path");
        }

        if (selector is not null && (selector.Contains('/') || selector.EndsWith(".zst", StringComparison.OrdinalIgnoreCase)))
        {
            return new JobTarget(null, selector, false);
        }

        SelectorResolution resolution = context.Resolver.Resolve(selector);
        return resolution.IsFile
            ? new JobTarget(null, resolution.FilePath, false)
            : new JobTarget(resolution.Job, LocalOrCachedLog(context, resolution.Job!), false);
    }

    /// <summary>
    /// The job's events file: its recorded path when this machine has it, else (a server store holding the log as
    /// frames) a cache file in the data home written from those frames, byte for byte the recorded file.
    /// </summary>
    private static string? LocalOrCachedLog(CliContext context, JobView job)
    {
        string? local = job.Job.LocalPath;
        if (local is not null && File.Exists(local) || context.Store is not IJobLogStore logs)
        {
            return local;
        }

        var state = logs.GetLogState(job.Job.Id);
        if (state is null)
        {
            return local;
        }

        string folder = context.Home.EnsureLogCacheFolder();
        string cached = Path.Combine(folder, job.Job.Id + ".events.bin.zst");
        bool fresh = state.Value.Complete && File.Exists(cached) && new FileInfo(cached).Length == state.Value.Bytes;
        if (!fresh)
        {
            LogFrames.Download(logs, job.Job.Id, cached);
        }

        return cached;
    }

    /// <summary>The events file of a recorded job, or BJ6010 when it has none or it is gone.</summary>
    public string RequireEventsPath()
    {
        if (Job is null)
        {
            return EventsPath!;
        }

        if (string.IsNullOrEmpty(EventsPath))
        {
            throw new BriocheJobException(CommandErrors.EventsFileGone, ErrorKind.NotFound,
                $"job {Job.Job.Id} has no events file recorded");
        }

        if (!File.Exists(EventsPath))
        {
            throw new BriocheJobException(CommandErrors.EventsFileGone, ErrorKind.NotFound,
                $"the events file of job {Job.Job.Id} is gone: {EventsPath}");
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
