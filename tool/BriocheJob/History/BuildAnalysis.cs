using BriocheJob.Store;

namespace BriocheJob.History;

/// <summary>How the critical path was found.</summary>
public enum CriticalPathMethod
{
    /// <summary>No jobs with times.</summary>
    None,

    /// <summary>BuildKit's step graph (each step's input digests), every link.</summary>
    StepGraph,

    /// <summary>No dependency edges are recorded: the longest chain of jobs each starting after the previous ended.</summary>
    Timing,

    /// <summary>The step graph within images, timing where it has no edge (between projects, to a step's roots).</summary>
    StepGraphAndTiming,
}

/// <summary>The numbers of <c>builds show</c>: wall time, summed job time, parallelism, cache hits.</summary>
public sealed record BuildStats(long WallMs, long JobMs, double Parallelism, int CachedJobs, int JobCount);

/// <summary>
/// Where a build's time went: each job's offset from the build's start, the build's stats, and its critical path,
/// the chain of jobs that bounded its wall time. Jobs are in start order.
/// </summary>
public sealed class BuildAnalysis
{
    private BuildAnalysis(BuildDetails details, IReadOnlyList<JobView> jobs, BuildStats stats,
        IReadOnlyList<JobView> criticalPath, CriticalPathMethod method)
    {
        Details = details;
        Jobs = jobs;
        Stats = stats;
        CriticalPath = criticalPath;
        Method = method;
        CriticalIds = criticalPath.Select(v => v.Job.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    public BuildDetails Details { get; }

    public BuildRecord Build => Details.Build;

    /// <summary>The build's jobs, earliest start first.</summary>
    public IReadOnlyList<JobView> Jobs { get; }

    public BuildStats Stats { get; }

    /// <summary>Job ids on the critical path, first job first.</summary>
    public IReadOnlyList<JobView> CriticalPath { get; }

    public IReadOnlySet<string> CriticalIds { get; }

    public CriticalPathMethod Method { get; }

    /// <summary>The time the offsets count from: the build's start.</summary>
    public DateTimeOffset Origin => Build.StartedAt;

    /// <summary>The end of the build's span: its stop, else the last job's.</summary>
    public DateTimeOffset End { get; private init; }

    public long OffsetMs(JobRecord job) => (long)(job.StartedAt - Origin).TotalMilliseconds;

    public static string MethodText(CriticalPathMethod method) => method switch
    {
        CriticalPathMethod.StepGraph => "from BuildKit's step graph",
        CriticalPathMethod.Timing => "inferred from timing: no dependency edges are recorded",
        CriticalPathMethod.StepGraphAndTiming => "from BuildKit's step graph, and from timing where it has no edge",
        _ => "none",
    };

    public static string MethodName(CriticalPathMethod method) => method switch
    {
        CriticalPathMethod.StepGraph => "stepGraph",
        CriticalPathMethod.Timing => "timing",
        CriticalPathMethod.StepGraphAndTiming => "stepGraphAndTiming",
        _ => "none",
    };

    public static BuildAnalysis Of(BuildDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        List<JobView> jobs = details.Jobs
            .OrderBy(v => v.Job.StartedAt).ThenBy(v => v.Job.StoppedAt ?? v.Job.StartedAt)
            .ThenBy(v => v.Job.Id, StringComparer.OrdinalIgnoreCase).ToList();
        DateTimeOffset lastStop = jobs.Count == 0 ? details.Build.StartedAt : jobs.Max(v => v.Job.StoppedAt ?? v.Job.StartedAt);
        DateTimeOffset end = details.Build.StoppedAt is { } stopped && stopped >= lastStop ? stopped : lastStop;
        if (end < details.Build.StartedAt)
        {
            end = details.Build.StartedAt;
        }

        long wall = (long)(end - details.Build.StartedAt).TotalMilliseconds;
        long summed = jobs.Sum(v => v.Job.Duration is { } d ? (long)d.TotalMilliseconds : 0);
        var stats = new BuildStats(wall, summed, wall <= 0 ? 0 : Math.Round((double)summed / wall, 2),
            jobs.Count(v => v.Job.Cached), jobs.Count);
        (IReadOnlyList<JobView> path, CriticalPathMethod method) = FindCriticalPath(jobs);
        return new BuildAnalysis(details, jobs, stats, path, method) { End = end };
    }

    /// <summary>
    /// With step inputs recorded: from the job that stopped last, back through the input that stopped last each time
    /// (what it waited for), and through timing where the graph has no edge. Without: the longest chain by time.
    /// </summary>
    internal static (IReadOnlyList<JobView> Path, CriticalPathMethod Method) FindCriticalPath(IReadOnlyList<JobView> jobs)
    {
        List<JobView> timed = jobs.Where(v => v.Job.StoppedAt is not null).ToList();
        if (timed.Count == 0)
        {
            return ([], CriticalPathMethod.None);
        }

        var metas = timed.ToDictionary(v => v, v => StepMeta.Of(v.Job), ReferenceEqualityComparer.Instance);
        bool graph = timed.Any(v => v.Job.Kind == JobKind.Docker && metas[v].Inputs is not null);
        return graph ? WalkBack(timed, metas) : (LongestChain(timed), CriticalPathMethod.Timing);
    }

    private static (IReadOnlyList<JobView>, CriticalPathMethod) WalkBack(List<JobView> timed, Dictionary<object, StepMeta> metas)
    {
        // Digest → jobs in this build (an image's steps; the same digest may be a step of two images).
        var byDigest = new Dictionary<string, List<JobView>>(StringComparer.OrdinalIgnoreCase);
        foreach (JobView v in timed)
        {
            if (v.Job.Kind == JobKind.Docker && v.Job.RecipeHash is { } digest)
            {
                if (!byDigest.TryGetValue(digest, out List<JobView>? list))
                {
                    byDigest[digest] = list = [];
                }

                list.Add(v);
            }
        }

        // Stop-ordered, for "the job that ended last at or before this one started".
        List<JobView> byStop = timed.OrderBy(v => v.Job.StoppedAt).ThenBy(v => v.Job.StartedAt).ToList();
        var stops = byStop.Select(v => v.Job.StoppedAt!.Value).ToArray();

        JobView current = byStop[^1];
        var path = new List<JobView> { current };
        var seen = new HashSet<JobView>(ReferenceEqualityComparer.Instance) { current };
        bool usedGraph = false, usedTiming = false;
        while (true)
        {
            JobView? next = null;
            if (metas[current].Inputs is { Count: > 0 } inputs)
            {
                next = inputs
                    .SelectMany(d => byDigest.GetValueOrDefault(d) ?? [])
                    .Where(v => !seen.Contains(v))
                    .OrderBy(v => v.Project?.Id == current.Project?.Id ? 0 : 1)
                    .ThenByDescending(v => v.Job.StoppedAt)
                    .FirstOrDefault();
                usedGraph |= next is not null;
            }

            if (next is null)
            {
                // The last job that ended at or before this one started.
                int at = UpperBound(stops, current.Job.StartedAt) - 1;
                while (at >= 0 && seen.Contains(byStop[at]))
                {
                    at--;
                }

                if (at >= 0)
                {
                    next = byStop[at];
                    usedTiming = true;
                }
            }

            if (next is null)
            {
                break;
            }

            path.Add(next);
            seen.Add(next);
            current = next;
        }

        path.Reverse();
        var method = usedGraph && usedTiming ? CriticalPathMethod.StepGraphAndTiming
            : usedTiming ? CriticalPathMethod.Timing : CriticalPathMethod.StepGraph;
        return (path, method);
    }

    /// <summary>The chain, each job starting at or after the previous one stopped, with the most job time.</summary>
    internal static IReadOnlyList<JobView> LongestChain(IReadOnlyList<JobView> timed)
    {
        List<JobView> byStart = timed.OrderBy(v => v.Job.StartedAt).ThenBy(v => v.Job.StoppedAt).ToList();
        List<int> byStopIndex = Enumerable.Range(0, byStart.Count)
            .OrderBy(i => byStart[i].Job.StoppedAt).ThenBy(i => byStart[i].Job.StartedAt).ToList();
        var best = new long[byStart.Count];
        var previous = new int[byStart.Count];
        var done = new bool[byStart.Count];
        int pointer = 0;
        long prefixBest = -1;
        int prefixAt = -1;
        for (int j = 0; j < byStart.Count; j++)
        {
            JobRecord job = byStart[j].Job;
            // Take in every job that ended by this one's start (all started earlier, so already computed).
            while (pointer < byStopIndex.Count && byStart[byStopIndex[pointer]].Job.StoppedAt <= job.StartedAt
                   && done[byStopIndex[pointer]])
            {
                int i = byStopIndex[pointer++];
                if (best[i] > prefixBest || (best[i] == prefixBest && byStart[i].Job.StoppedAt > byStart[prefixAt].Job.StoppedAt))
                {
                    prefixBest = best[i];
                    prefixAt = i;
                }
            }

            long duration = (long)job.Duration!.Value.TotalMilliseconds;
            best[j] = duration + Math.Max(0, prefixBest);
            previous[j] = prefixAt;
            done[j] = true;
        }

        int end = 0;
        for (int j = 1; j < byStart.Count; j++)
        {
            if (best[j] > best[end] || (best[j] == best[end] && byStart[j].Job.StoppedAt > byStart[end].Job.StoppedAt))
            {
                end = j;
            }
        }

        var chain = new List<JobView>();
        for (int at = end; at >= 0; at = previous[at])
        {
            chain.Add(byStart[at]);
        }

        chain.Reverse();
        return chain;
    }

    private static int UpperBound(DateTimeOffset[] sorted, DateTimeOffset value)
    {
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            int mid = (low + high) / 2;
            if (sorted[mid] <= value)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
