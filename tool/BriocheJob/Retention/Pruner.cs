using BriocheJob.Diagnostics;
using BriocheJob.Store;

namespace BriocheJob.Retention;

/// <summary>
/// Applies a <see cref="PrunePolicy"/> to a store and its data home. Order matters for a prune killed halfway:
/// rows are updated first, in one transaction, and only then are files no row points at any more deleted; files
/// left behind by a kill are found as orphans by the next prune. A running job's log, a file another row still
/// points at, and files outside <c>&lt;home&gt;/jobs</c> are never deleted.
/// </summary>
public sealed class Pruner
{
    private readonly IJobStore _store;
    private readonly IStoreMaintenance _maintenance;
    private readonly DataHome _home;

    public Pruner(IJobStore store, DataHome home)
    {
        _store = store;
        _maintenance = store as IStoreMaintenance ?? throw Catalog.Store.StoreUnsupported.Exception("be pruned", "prune");
        _home = home;
    }

    /// <summary>Called after each file is deleted, with its path and size (for <c>prune --verbose</c>).</summary>
    public Action<string, long>? FileRemoved { get; init; }

    /// <summary>The key succeeded logs are grouped by: the recipe hash (BuildKit vertex digest for Docker steps).</summary>
    public static string RetentionKey(JobRecord job) => job.RecipeHash ?? $"{job.Kind}:{job.Name}";

    public PruneReport Run(PrunePolicy policy, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        policy.Validate();
        if (!policy.DryRun)
        {
            _store.MarkInterrupted();
        }

        var plan = Plan(_store.QueryJobs(new JobQuery(Limit: int.MaxValue)), policy, now);
        cancellationToken.ThrowIfCancellationRequested();
        var orphanRoots = policy.DryRun ? FindOrphans(policy, now, _maintenance.ReferencedLocalPaths().Except(plan.FreedPaths)) : [];
        int budget = policy.MaxFiles ?? int.MaxValue;
        if (policy.DryRun)
        {
            var stale = StaleFolders(policy, now).Select(FolderFiles).ToList();
            return plan.Report with
            {
                DryRun = true,
                OrphanFiles = orphanRoots.Count + stale.Sum(f => f.Count),
                BytesFreed = plan.FreedPaths.Sum(FileSize) + orphanRoots.Sum(FileSize) + stale.Sum(f => f.Bytes),
            };
        }

        var change = _maintenance.ApplyRetention(plan.ClearLogIds, plan.DeleteJobIds, now - TimeSpan.FromDays(policy.KeepRowsDays));
        cancellationToken.ThrowIfCancellationRequested();

        // Rows no longer point at these files; a recorder may have started pointing at one since we planned.
        var referenced = _maintenance.ReferencedLocalPaths();
        long freed = 0;
        int removedFiles = 0;
        foreach (var path in plan.FreedPaths.Where(p => !referenced.Contains(p)))
        {
            freed += Delete(path);
            removedFiles++;
        }

        int orphans = 0;
        foreach (var path in FindOrphans(policy, now, referenced))
        {
            if (removedFiles >= budget)
            {
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            freed += Delete(path);
            removedFiles++;
            orphans++;
        }

        foreach (var folder in StaleFolders(policy, now))
        {
            var (count, bytes) = FolderFiles(folder);
            try
            {
                Directory.Delete(folder, recursive: true);
                orphans += count;
                freed += bytes;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the next prune.
            }
        }

        long databaseFreed = _maintenance.Compact(allowFullVacuum: policy.MaxFiles is null, maxPages: policy.MaxFiles is null ? null : 4096);
        return plan.Report with
        {
            JobRows = change.JobsDeleted,
            Builds = change.BuildsDeleted,
            OrphanFiles = orphans,
            BytesFreed = freed,
            DatabaseBytesFreed = databaseFreed,
            Bounded = plan.Report.Bounded || removedFiles >= budget,
        };
    }

    private sealed record PrunePlan(
        List<string> ClearLogIds, List<string> DeleteJobIds, HashSet<string> FreedPaths, HashSet<string> KeptPaths, PruneReport Report);

    private PrunePlan Plan(IReadOnlyList<JobView> jobs, PrunePolicy policy, DateTimeOffset now)
    {
        var failedBefore = now - TimeSpan.FromDays(policy.KeepFailedDays);
        var rowsBefore = now - TimeSpan.FromDays(policy.KeepRowsDays);
        var clearFailed = new List<JobRecord>();
        var clearSucceeded = new List<JobRecord>();
        var deleteRows = new List<JobRecord>();
        var keptPaths = new HashSet<string>(StringComparer.Ordinal);
        var succeededByKey = new Dictionary<string, List<JobRecord>>(StringComparer.OrdinalIgnoreCase);
        int running = 0, outside = 0;

        foreach (var job in jobs.Select(v => v.Job))
        {
            if (job.State == RunState.Running)
            {
                running++;
                Keep(job);
            }
            else if (job.StartedAt < rowsBefore)
            {
                deleteRows.Add(job);
            }
            else if (job.LocalPath is null)
            {
                continue;
            }
            else if (!IsInJobsRoot(job.LocalPath))
            {
                outside += job.StartedAt < failedBefore || job.Result == RunResult.Succeeded ? 1 : 0;
                Keep(job);
            }
            else if (job.Result == RunResult.Succeeded)
            {
                if (!succeededByKey.TryGetValue(RetentionKey(job), out var group))
                {
                    succeededByKey[RetentionKey(job)] = group = [];
                }

                group.Add(job);
            }
            else if (job.StartedAt < failedBefore)
            {
                clearFailed.Add(job);
            }
            else
            {
                Keep(job);
            }
        }

        foreach (var group in succeededByKey.Values)
        {
            var newestFirst = group.OrderByDescending(j => j.StartedAt).ThenByDescending(j => j.Id, StringComparer.OrdinalIgnoreCase).ToList();
            foreach (var job in newestFirst.Take(policy.KeepSucceeded))
            {
                Keep(job);
            }

            clearSucceeded.AddRange(newestFirst.Skip(policy.KeepSucceeded));
        }

        // Bounded: the oldest jobs first, so what a bounded run leaves is the newest.
        int budget = policy.MaxFiles ?? int.MaxValue;
        var actions = deleteRows.Select(j => (Job: j, Delete: true))
            .Concat(clearFailed.Concat(clearSucceeded).Select(j => (Job: j, Delete: false)))
            .OrderBy(a => a.Job.StartedAt)
            .ToList();
        bool bounded = actions.Count(a => a.Job.LocalPath is not null) > budget;
        var chosen = new List<(JobRecord Job, bool Delete)>();
        int files = 0;
        foreach (var action in actions)
        {
            if (action.Job.LocalPath is not null && files >= budget)
            {
                if (!action.Delete)
                {
                    Keep(action.Job);
                }

                continue;
            }

            files += action.Job.LocalPath is null ? 0 : 1;
            chosen.Add(action);
        }

        var freed = new HashSet<string>(StringComparer.Ordinal);
        int shared = 0;
        foreach (var (job, _) in chosen)
        {
            if (job.LocalPath is not { } path || !IsInJobsRoot(path))
            {
                continue;
            }

            if (keptPaths.Contains(path))
            {
                shared++;
            }
            else if (File.Exists(path))
            {
                freed.Add(path);
            }
        }

        var chosenSet = chosen.Select(a => a.Job.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return new PrunePlan(
            chosen.Where(a => !a.Delete && a.Job.LocalPath is not null).Select(a => a.Job.Id).ToList(),
            chosen.Where(a => a.Delete).Select(a => a.Job.Id).ToList(),
            freed,
            keptPaths,
            new PruneReport
            {
                FailedLogs = clearFailed.Count(j => chosenSet.Contains(j.Id)),
                SucceededLogs = clearSucceeded.Count(j => chosenSet.Contains(j.Id)),
                JobRows = deleteRows.Count(j => chosenSet.Contains(j.Id)),
                Builds = 0,
                RunningSkipped = running,
                SharedFilesKept = shared,
                OutsideHomeKept = outside,
                Bounded = bounded,
            });

        void Keep(JobRecord job)
        {
            if (job.LocalPath is { } path)
            {
                keptPaths.Add(path);
            }
        }
    }

    /// <summary>Files under <c>jobs/&lt;id&gt;/</c> no row points at, older than the orphan age, oldest first.</summary>
    private List<string> FindOrphans(PrunePolicy policy, DateTimeOffset now, IEnumerable<string> referencedPaths)
    {
        var referenced = referencedPaths.ToHashSet(StringComparer.Ordinal);
        var orphans = new List<(string Path, DateTime Written)>();
        if (!Directory.Exists(_home.JobsRoot))
        {
            return [];
        }

        var before = (now - policy.OrphanMinimumAge).UtcDateTime;
        foreach (var folder in Directory.EnumerateDirectories(_home.JobsRoot))
        {
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                var written = File.GetLastWriteTimeUtc(file);
                if (!referenced.Contains(file) && written < before)
                {
                    orphans.Add((file, written));
                }
            }
        }

        return orphans.OrderBy(o => o.Written).Select(o => o.Path).ToList();
    }

    /// <summary>
    /// Folders an interrupted <c>import bundle</c> left: its scratch folder (<c>.import-*</c>), or the bundle files
    /// of a build that was never recorded or has been pruned (<c>bundles/&lt;build id&gt;</c>); only once they are old.
    /// </summary>
    private List<string> StaleFolders(PrunePolicy policy, DateTimeOffset now)
    {
        var before = (now - policy.OrphanMinimumAge).UtcDateTime;
        var stale = new List<string>();
        if (Directory.Exists(_home.Root))
        {
            stale.AddRange(Directory.EnumerateDirectories(_home.Root, ".import-*").Where(d => Directory.GetLastWriteTimeUtc(d) < before));
        }

        var bundles = Path.Combine(_home.Root, "bundles");
        if (Directory.Exists(bundles))
        {
            var builds = _maintenance.BuildIds();
            stale.AddRange(Directory.EnumerateDirectories(bundles)
                .Where(d => !builds.Contains(Path.GetFileName(d)) && Directory.GetLastWriteTimeUtc(d) < before));
        }

        return stale;
    }

    private static (int Count, long Bytes) FolderFiles(string folder)
    {
        var files = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
        return (files.Count, files.Sum(f => f.Length));
    }

    private bool IsInJobsRoot(string path)
    {
        var full = Path.GetFullPath(path);
        var root = _home.JobsRoot + Path.DirectorySeparatorChar;
        return full.StartsWith(root, StringComparison.Ordinal) && full.IndexOf(Path.DirectorySeparatorChar, root.Length) > root.Length;
    }

    private static long FileSize(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Deletes a file under <c>jobs/&lt;id&gt;/</c> and its folder when that is left empty; returns the bytes freed.</summary>
    private long Delete(string path)
    {
        long size = FileSize(path);
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        FileRemoved?.Invoke(path, size);
        var folder = Path.GetDirectoryName(path);
        try
        {
            if (folder is not null && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A recorder put a file there since: the folder stays.
        }

        return size;
    }
}
