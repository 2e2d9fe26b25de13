namespace BriocheJob.Jobs;

/// <summary>
/// Short ids for display: for each id, its shortest prefix that no other id shown with it shares (case-insensitive),
/// but never shorter than <see cref="MinLength"/>. Eight characters of a ULID are its time to about one second, so a
/// short id copied from a listing keeps selecting the same job as later jobs are recorded, unless another job
/// started in that same second.
/// </summary>
public static class ShortIds
{
    public const int MinLength = 8;

    /// <summary>Maps each distinct id to its short form (the whole id when it is short or another id extends it).</summary>
    public static IReadOnlyDictionary<string, string> Compute(IEnumerable<string> ids, int minLength = MinLength)
    {
        string[] sorted = ids.Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderBy(id => id, StringComparer.OrdinalIgnoreCase)
            .ToArray();
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < sorted.Length; i++)
        {
            // In sorted order the longest prefix shared with any other id is shared with a neighbour.
            int shared = Math.Max(
                i > 0 ? CommonPrefixLength(sorted[i - 1], sorted[i]) : 0,
                i + 1 < sorted.Length ? CommonPrefixLength(sorted[i], sorted[i + 1]) : 0);
            int length = Math.Clamp(Math.Max(shared + 1, minLength), 0, sorted[i].Length);
            result[sorted[i]] = sorted[i][..length];
        }

        return result;
    }

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
