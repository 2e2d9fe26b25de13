using System.Globalization;
using System.Text.RegularExpressions;

namespace BriocheJob.BuildKit;

/// <summary>The Dockerfile line a build error names, for errors raised before any step ran (a parse error, say).</summary>
public static partial class BuildErrorLine
{
    /// <summary>
    /// The line in <c>dockerfile parse error on line 11: …</c> (older BuildKit: <c>… error line 11: …</c>) or
    /// <c>Dockerfile:11</c>; null when the error names none.
    /// </summary>
    public static int? Find(string? error)
    {
        if (error is null)
        {
            return null;
        }

        Match match = LinePattern().Match(error);
        return match.Success && int.TryParse(match.Groups["line"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int line) && line > 0
            ? line
            : null;
    }

    [GeneratedRegex(@"dockerfile parse error (?:on )?line (?<line>\d{1,9})\b|\bDockerfile:(?<line>\d{1,9})\b", RegexOptions.IgnoreCase)]
    private static partial Regex LinePattern();
}
