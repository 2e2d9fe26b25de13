using System.Globalization;

namespace BriocheJob;

/// <summary>A count with its noun in the right number, for output: <c>1 job</c>, <c>2 jobs</c>, <c>0 jobs</c>.</summary>
public static class Counted
{
    /// <summary><paramref name="count"/> and <paramref name="singular"/>, or <paramref name="plural"/> (default: singular + s) unless it is 1.</summary>
    public static string Of(long count, string singular, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? singular : plural ?? singular + "s")}");
}
