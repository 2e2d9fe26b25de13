namespace BriocheJob.Store;

/// <summary>What one copy did: rows new to the target, and log frames sent.</summary>
public sealed record StoreCopyResult(int Builds, int NewJobs, int UpdatedJobs, int Logs, int LogFrames);

/// <summary>
/// Copies builds, their projects and jobs, and the jobs' logs from one store into another, keeping ids. Run again,
/// it adds only what is new: builds and projects already there are matched, unchanged jobs and complete logs are
/// skipped. Used by <c>store copy --to</c> and to flush the spool.
/// </summary>
public static class StoreCopy
{
    private const int Page = 200;

    /// <summary>Copies every build of <paramref name="from"/> (or only <paramref name="buildIds"/>).</summary>
    public static StoreCopyResult Copy(IJobStore from, IJobStore to, IReadOnlyCollection<string>? buildIds = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        int builds = 0, newJobs = 0, updatedJobs = 0, logs = 0, frames = 0;
        foreach (string buildId in buildIds ?? AllBuildIds(from))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (from.GetBuild(buildId) is not { } details)
            {
                continue;
            }

            BuildRecord target = to.ImportBuild(details.Build);
            builds++;
            var projectIds = new Dictionary<long, long>();
            foreach (ProjectRecord project in details.Projects)
            {
                projectIds[project.Id] = to.AddProject(target.Id, new ProjectRequest(project.Kind, project.Name,
                    project.ProjectHash, project.LocalProjectPath, project.RegistryProjectName)).Id;
            }

            var changed = new List<JobRecord>();
            foreach (JobView view in details.Jobs)
            {
                // A job read as interrupted (its recorder is gone) is written as interrupted.
                JobRecord job = view.Job with { BuildProjectId = view.Job.BuildProjectId is { } p ? projectIds[p] : null };
                JobView? existing = to.GetJob(job.Id);
                if (existing is null)
                {
                    newJobs++;
                    changed.Add(job);
                }
                else if (existing.Job != job with { Id = existing.Job.Id })
                {
                    updatedJobs++;
                    changed.Add(job with { Id = existing.Job.Id });
                }
            }

            to.SaveJobs(changed);
            if (details.Build.State != RunState.Running)
            {
                to.FinishBuild(target.Id, details.Build.State, details.Build.Result, details.Build.StoppedAt);
            }

            if (to is IJobLogStore logStore)
            {
                foreach (JobView view in details.Jobs)
                {
                    if (view.Job.LocalPath is { } path && IsEventsFile(path))
                    {
                        int sent = LogFrames.Upload(logStore, view.Job.Id, path, complete: view.Job.State != RunState.Running);
                        if (sent > 0)
                        {
                            logs++;
                            frames += sent;
                        }
                    }
                }
            }
        }

        return new StoreCopyResult(builds, newJobs, updatedJobs, logs, frames);
    }

    private static bool IsEventsFile(string path) => File.Exists(path);

    private static IEnumerable<string> AllBuildIds(IJobStore store)
    {
        var ids = new List<string>();
        for (int offset = 0; ; offset += Page)
        {
            IReadOnlyList<BuildSummary> page = store.QueryBuilds(Page, offset);
            ids.AddRange(page.Select(b => b.Build.Id));
            if (page.Count < Page)
            {
                break;
            }
        }

        // Oldest first, so a copy interrupted half-way leaves the target a prefix of the history.
        ids.Reverse();
        return ids;
    }
}
