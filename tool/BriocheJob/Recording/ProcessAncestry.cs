using System.Globalization;

namespace BriocheJob.Recording;

/// <summary>Parent-process relations read from Linux's <c>/proc/&lt;pid&gt;/stat</c>.</summary>
internal static class ProcessAncestry
{
    // Deeper than any real process tree; stops a loop should /proc ever report one.
    private const int MaxDepth = 512;

    /// <summary>
    /// True when <paramref name="ancestorPid"/> is the parent, grandparent, … of <paramref name="pid"/>; false when the
    /// chain of parents reaches pid 1 (or 0) without meeting it. Null when it cannot be known: a process in the chain is
    /// gone, or there is no <c>/proc</c>. A process is not its own descendant.
    /// </summary>
    public static bool? IsDescendantOf(int pid, int ancestorPid)
    {
        if (pid <= 0 || ancestorPid <= 0)
        {
            return false;
        }

        var current = pid;
        for (var depth = 0; depth < MaxDepth; depth++)
        {
            if (ParentOf(current) is not { } parent)
            {
                return null;
            }

            if (parent == ancestorPid)
            {
                return true;
            }

            if (parent <= 1)
            {
                return false;
            }

            current = parent;
        }

        return null;
    }

    /// <summary>The parent pid of <paramref name="pid"/>, or null when the process (or <c>/proc</c>) is not there.</summary>
    public static int? ParentOf(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return ParseParent(stat);
    }

    /// <summary>
    /// The 4th field of a stat line, <c>pid (comm) state ppid …</c>. The command name may hold spaces and
    /// parentheses, so the fields are counted after the last <c>)</c>.
    /// </summary>
    internal static int? ParseParent(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = stat[(close + 1)..].Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 2 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            ? parent
            : null;
    }
}
