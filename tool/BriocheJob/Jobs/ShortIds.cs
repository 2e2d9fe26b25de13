using System.Globalization;
using BriocheJob.Store;

namespace BriocheJob.Jobs;

/// <summary>
/// Short ids for display: for each id, its shortest prefix that no other id shares (case-insensitive), but never
/// shorter than <see cref="MinLength"/>. Eight characters of a ULID are its time to about one second, so a short id
/// copied from a listing keeps selecting the same job as later jobs are recorded, unless another job started in that
/// same second. <see cref="ForJobs"/> and <see cref="ForBuilds"/> work it out against every id in the store, so a
/// short id printed anywhere selects that one job or build; <see cref="Compute"/> only among the ids given.
/// </summary>
public static class ShortIds
{
    public const int MinLength = 8;

    /// <summary>Maps each distinct id to its short form (the whole id when it is short or another id extends it).</summary>
    public static IReadOnlyDictionary<string, string> Compute(IEnumerable<string> ids, int minLength = MinLength) =>
        SharedAmong(ids).ToDictionary(p => p.Key, p => Prefix(p.Key, p.Value, minLength), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Short job ids unique among all the store's jobs, as a job selector reads them: the id's neighbours in the store
    /// (one batch, see <see cref="IJobStore.FindIdNeighbours"/>) set the length, and a short id that would also read as
    /// another job's recipe hash prefix (hex, at least <see cref="JobSelectorResolver.MinRecipePrefixLength"/>
    /// characters) or pid grows until it does not.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ForJobs(IJobStore store, IEnumerable<string> jobIds)
    {
        ArgumentNullException.ThrowIfNull(store);
        Dictionary<string, string> result = AgainstStore(store, jobIds, IdTable.Jobs);
        foreach ((string id, string shortId) in result.ToList())
        {
            string chosen = shortId;
            while (chosen.Length < id.Length && ReadsAsAnotherJob(store, chosen, id))
            {
                chosen = id[..(chosen.Length + 1)];
            }

            result[id] = chosen;
        }

        return result;
    }

    /// <summary>Short build ids unique among all the store's builds, as a build selector reads them.</summary>
    public static IReadOnlyDictionary<string, string> ForBuilds(IJobStore store, IEnumerable<string> buildIds)
    {
        ArgumentNullException.ThrowIfNull(store);
        return AgainstStore(store, buildIds, IdTable.Builds);
    }

    private static Dictionary<string, string> AgainstStore(IJobStore store, IEnumerable<string> ids, IdTable table)
    {
        // The ids given count too, in case one is not (or no longer) in the store.
        Dictionary<string, int> shared = SharedAmong(ids);
        if (shared.Count > 0)
        {
            foreach (IdNeighbours near in store.FindIdNeighbours(shared.Keys.ToArray(), table))
            {
                if (shared.TryGetValue(near.Id, out int known))
                {
                    shared[near.Id] = Math.Max(known, Math.Max(
                        near.Before is null ? 0 : CommonPrefixLength(near.Before, near.Id),
                        near.After is null ? 0 : CommonPrefixLength(near.Id, near.After)));
                }
            }
        }

        return shared.ToDictionary(p => p.Key, p => Prefix(p.Key, p.Value, MinLength), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>For each distinct id, the longest prefix it shares with another of them.</summary>
    private static Dictionary<string, int> SharedAmong(IEnumerable<string> ids)
    {
        string[] sorted = ids.Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderBy(id => id, StringComparer.OrdinalIgnoreCase)
            .ToArray();
        var shared = new Dictionary<string, int>(sorted.Length, StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < sorted.Length; i++)
        {
            // In sorted order the longest prefix shared with any other id is shared with a neighbour.
            shared[sorted[i]] = Math.Max(
                i > 0 ? CommonPrefixLength(sorted[i - 1], sorted[i]) : 0,
                i + 1 < sorted.Length ? CommonPrefixLength(sorted[i], sorted[i + 1]) : 0);
        }

        return shared;
    }

    /// <summary>Whether a job selector would also read <paramref name="prefix"/> as another job's recipe hash or pid.</summary>
    private static bool ReadsAsAnotherJob(IJobStore store, string prefix, string id)
    {
        if (prefix.Length >= JobSelectorResolver.MinRecipePrefixLength && prefix.All(char.IsAsciiHexDigit)
            && AnyOther(store.FindJobsByRecipeHashPrefix(prefix, 2), id))
        {
            return true;
        }

        return prefix[0] != '0' && prefix.All(char.IsAsciiDigit)
            && int.TryParse(prefix, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            && AnyOther(store.FindJobsByPid(pid, 1), id);
    }

    private static bool AnyOther(IReadOnlyList<JobView> jobs, string id) =>
        jobs.Any(v => !string.Equals(v.Job.Id, id, StringComparison.OrdinalIgnoreCase));

    private static string Prefix(string id, int shared, int minLength) =>
        id[..Math.Clamp(Math.Max(shared + 1, minLength), 0, id.Length)];

    private static int CommonPrefixLength(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        int i = 0;
        while (i < n && char.ToUpperInvariant(a[i]) == char.ToUpperInvariant(b[i]))
        {
            i++;
        }

        return i;
    }
}
