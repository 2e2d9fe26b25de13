using BriocheJob.Store;

namespace BriocheJob.History;

/// <summary>How a step changed between two builds.</summary>
public enum StepChange
{
    Same,
    Changed,
    Added,
    Removed,
}

/// <summary>One step of <c>builds diff</c>: the job in each build with this key (null when absent).</summary>
public sealed record DiffPair(string Key, StepChange Change, JobView? Base, JobView? Head)
{
    public bool ResultChanged => Base is not null && Head is not null && Base.Job.Result != Head.Job.Result;

    public bool CacheChanged => Base is not null && Head is not null && Base.Job.Cached != Head.Job.Cached;

    public long? DurationDeltaMs => Base?.Job.Duration is { } b && Head?.Job.Duration is { } h
        ? (long)(h - b).TotalMilliseconds : null;

    /// <summary>Failed in HEAD (or failed in BASE, for a removed step).</summary>
    public bool Failed => (Head ?? Base)?.Job.Result == RunResult.Failed;
}

/// <summary>
/// Two builds' jobs matched by step key (<see cref="StepKeys"/>). A step is <c>changed</c> when it was built from
/// different input: its recipe hash (Brioche) or vertex digest (Docker) differs, or for a Docker COPY/ADD, the
/// digest of the context files it copies, or (Docker) one of its input steps changed. Several jobs with one key in a build are matched in start order.
/// </summary>
public sealed class BuildDiff
{
    private BuildDiff(BuildDetails @base, BuildDetails head, IReadOnlyList<DiffPair> pairs)
    {
        Base = @base;
        Head = head;
        Pairs = pairs;
    }

    public BuildDetails Base { get; }

    public BuildDetails Head { get; }

    /// <summary>Every pair: failures first, then in HEAD's start order (removed steps in BASE's, after).</summary>
    public IReadOnlyList<DiffPair> Pairs { get; }

    public int Count(StepChange change) => Pairs.Count(p => p.Change == change);

    public static BuildDiff Compare(BuildDetails @base, BuildDetails head)
    {
        ArgumentNullException.ThrowIfNull(@base);
        ArgumentNullException.ThrowIfNull(head);
        var metas = new StepMetaCache();
        List<(string Key, JobView Job)> baseJobs = InStartOrder(@base), headJobs = InStartOrder(head);
        Dictionary<string, Queue<JobView>> baseByKey = Keyed(baseJobs);
        var pairs = new List<(DiffPair Pair, int Order)>(headJobs.Count);
        int order = 0;
        var headKeyCount = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((string key, JobView job) in headJobs)
        {
            int n = headKeyCount[key] = headKeyCount.GetValueOrDefault(key) + 1;
            string shown = n == 1 ? key : $"{key}#{n}";
            if (baseByKey.TryGetValue(key, out Queue<JobView>? queue) && queue.Count > 0)
            {
                JobView before = queue.Dequeue();
                bool changed = IsChanged(before.Job, job.Job, metas);
                pairs.Add((new DiffPair(shown, changed ? StepChange.Changed : StepChange.Same, before, job), order++));
            }
            else
            {
                pairs.Add((new DiffPair(shown, StepChange.Added, null, job), order++));
            }
        }

        // What is left in the queues had no partner in HEAD.
        var unmatched = new HashSet<JobView>(baseByKey.Values.SelectMany(q => q), ReferenceEqualityComparer.Instance);
        foreach ((string key, JobView job) in baseJobs)
        {
            if (unmatched.Contains(job))
            {
                int n = headKeyCount[key] = headKeyCount.GetValueOrDefault(key) + 1;
                pairs.Add((new DiffPair(n == 1 ? key : $"{key}#{n}", StepChange.Removed, job, null), order++));
            }
        }

        PropagateInputChanges(pairs, metas);
        List<DiffPair> sorted = pairs.OrderBy(p => p.Pair.Failed ? 0 : 1).ThenBy(p => p.Order).Select(p => p.Pair).ToList();
        return new BuildDiff(@base, head, sorted);
    }

    /// <summary>
    /// A Docker step whose input step (in HEAD's step graph) changed was rebuilt from different input even when its
    /// own vertex digest is the same: BuildKit digests a COPY by its instruction, not by the files it copies.
    /// </summary>
    private static void PropagateInputChanges(List<(DiffPair Pair, int Order)> pairs, StepMetaCache metas)
    {
        var byDigest = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < pairs.Count; i++)
        {
            if (pairs[i].Pair.Head is { Job: { Kind: JobKind.Docker, RecipeHash: { } digest } })
            {
                byDigest.TryAdd(digest, i);
            }
        }

        var state = new int[pairs.Count]; // 0 unknown, 1 visiting, 2 done
        bool Changed(int i)
        {
            if (state[i] == 2 || state[i] == 1)
            {
                return pairs[i].Pair.Change == StepChange.Changed;
            }

            state[i] = 1;
            DiffPair pair = pairs[i].Pair;
            if (pair.Change == StepChange.Same && pair.Head is { } head && metas.Of(head).Inputs is { } inputs
                && inputs.Any(d => byDigest.TryGetValue(d, out int input) && input != i && Changed(input)))
            {
                pairs[i] = (pair with { Change = StepChange.Changed }, pairs[i].Order);
            }

            state[i] = 2;
            return pairs[i].Pair.Change == StepChange.Changed;
        }

        for (int i = 0; i < pairs.Count; i++)
        {
            if (pairs[i].Pair.Head is { Job.Kind: JobKind.Docker })
            {
                Changed(i);
            }
        }
    }

    /// <summary>Built from different input: another recipe hash or vertex digest, or other context files copied.</summary>
    public static bool IsChanged(JobRecord before, JobRecord after) => IsChanged(before, after, new StepMetaCache());

    private static bool IsChanged(JobRecord before, JobRecord after, StepMetaCache metas)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (!string.Equals(before.RecipeHash, after.RecipeHash, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (after.Kind != JobKind.Docker || before.RecipeMeta == after.RecipeMeta)
        {
            return false;
        }

        return !SameMap(metas.Of(before).ContextSources, metas.Of(after).ContextSources);
    }

    internal static bool SameMap(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b)
    {
        if (a is null || b is null)
        {
            return true; // not recorded on one side: nothing to compare
        }

        return a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out string? other) && other == pair.Value);
    }

    private static Dictionary<string, Queue<JobView>> Keyed(List<(string Key, JobView Job)> jobs)
    {
        var map = new Dictionary<string, Queue<JobView>>(StringComparer.Ordinal);
        foreach ((string key, JobView job) in jobs)
        {
            if (!map.TryGetValue(key, out Queue<JobView>? queue))
            {
                map[key] = queue = new Queue<JobView>();
            }

            queue.Enqueue(job);
        }

        return map;
    }

    private static List<(string Key, JobView Job)> InStartOrder(BuildDetails build) =>
        build.Jobs
            .OrderBy(v => v.Job.StartedAt).ThenBy(v => v.Job.Id, StringComparer.OrdinalIgnoreCase)
            .Select(v => (StepKeys.Of(v) ?? "job:" + v.Job.Id, v))
            .ToList();
}
