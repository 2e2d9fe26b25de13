using BriocheJob.Jobs;
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
    private IReadOnlyDictionary<string, string>? _shortJobIds;

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

    /// <summary>
    /// Each job's short id, unique in the whole <paramref name="store"/>, worked out once (one batch) for every part of
    /// the output.
    /// </summary>
    public IReadOnlyDictionary<string, string> ShortJobIds(IJobStore store) =>
        _shortJobIds ??= ShortIds.ForJobs(store, Jobs.Select(v => v.Job.Id));

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

        // Only the jobs on the path need their inputs (and nothing else): read when the walk reaches them.
        var metas = new StepMeta?[timed.Count];
        StepMeta Meta(int i) => metas[i] ??= StepMeta.InputsOf(timed[i].Job);
        bool graph = false;
        for (int i = 0; i < timed.Count && !graph; i++)
        {
            graph = timed[i].Job.Kind == JobKind.Docker && Meta(i).Inputs is not null;
        }

        return graph ? WalkBack(timed, Meta) : (LongestChain(timed), CriticalPathMethod.Timing);
    }

    /// <remarks>Jobs are numbered by their place in <paramref name="timed"/>: arrays, not hashing, on a 10,000-job path.</remarks>
    private static (IReadOnlyList<JobView>, CriticalPathMethod) WalkBack(List<JobView> timed, Func<int, StepMeta> meta)
    {
        // Digest → jobs in this build (an image's steps; the same digest may be a step of two images).
        var byDigest = new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < timed.Count; i++)
        {
            if (timed[i].Job is { Kind: JobKind.Docker, RecipeHash: { } digest })
            {
                if (!byDigest.TryGetValue(digest, out List<int>? list))
                {
                    byDigest[digest] = list = [];
                }

                list.Add(i);
            }
        }

        // Stop-ordered, for "the job that ended last at or before this one started".
        int[] byStop = Enumerable.Range(0, timed.Count)
            .OrderBy(i => timed[i].Job.StoppedAt).ThenBy(i => timed[i].Job.StartedAt).ToArray();
        DateTimeOffset[] stops = byStop.Select(i => timed[i].Job.StoppedAt!.Value).ToArray();

        int current = byStop[^1];
        var path = new List<JobView> { timed[current] };
        var seen = new bool[timed.Count];
        seen[current] = true;
        bool usedGraph = false, usedTiming = false;
        while (true)
        {
            int next = -1;
            if (meta(current).Inputs is { Count: > 0 } inputs)
            {
                next = LastInput(timed, inputs, byDigest, seen, timed[current].Project?.Id);
                usedGraph |= next >= 0;
            }

            if (next < 0)
            {
                // The last job that ended at or before this one started.
                int at = UpperBound(stops, timed[current].Job.StartedAt) - 1;
                while (at >= 0 && seen[byStop[at]])
                {
                    at--;
                }

                if (at >= 0)
                {
                    next = byStop[at];
                    usedTiming = true;
                }
            }

            if (next < 0)
            {
                break;
            }

            path.Add(timed[next]);
            seen[next] = true;
            current = next;
        }

        path.Reverse();
        var method = usedGraph && usedTiming ? CriticalPathMethod.StepGraphAndTiming
            : usedTiming ? CriticalPathMethod.Timing : CriticalPathMethod.StepGraph;
        return (path, method);
    }

    /// <summary>
    /// The input step this one waited for (its number, or -1): one of its own project first, then the one that
    /// stopped last.
    /// </summary>
    private static int LastInput(List<JobView> timed, IReadOnlyList<string> inputs, Dictionary<string, List<int>> byDigest,
        bool[] seen, long? project)
    {
        int best = -1;
        bool bestSameProject = false;
        foreach (string digest in inputs)
        {
            if (!byDigest.TryGetValue(digest, out List<int>? candidates))
            {
                continue;
            }

            foreach (int i in candidates)
            {
                if (seen[i])
                {
                    continue;
                }

                bool sameProject = timed[i].Project?.Id == project;
                // Strictly better only, so the first of equals wins (as a stable sort would pick it).
                if (best < 0 || (sameProject && !bestSameProject)
                    || (sameProject == bestSameProject && timed[i].Job.StoppedAt > timed[best].Job.StoppedAt))
                {
                    best = i;
                    bestSameProject = sameProject;
                }
            }
        }

        return best;
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
