using System.Text;
using System.Text.RegularExpressions;
using BriocheJob.Diagnostics;

namespace BriocheJob.Docker;

/// <summary>
/// .dockerignore rules as Docker applies them: patterns relative to the context root (a leading <c>/</c> is dropped),
/// paths cleaned, <c>*</c>, <c>?</c> and <c>[…]</c> within one path segment, <c>**</c> across any number of segments,
/// <c>!</c> re-includes, and the last matching rule wins. A rule that matches a directory matches everything under it.
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<Rule> _rules;

    private DockerIgnore(List<Rule> rules) => _rules = rules;

    public static DockerIgnore Empty { get; } = new([]);

    /// <summary>The cleaned patterns, in order, with <c>!</c> kept on exceptions.</summary>
    public IReadOnlyList<string> Patterns => _rules.Select(r => (r.Exclusion ? "!" : "") + r.Pattern).ToList();

    public bool HasExceptions => _rules.Any(r => r.Exclusion);

    /// <summary>Parses .dockerignore text: one pattern a line, <c>#</c> comments, blank lines ignored.</summary>
    public static DockerIgnore Parse(string text, string source = ".dockerignore") =>
        FromPatterns(text.Split('\n').Select(l => l.TrimEnd('\r')), source);

    public static DockerIgnore FromPatterns(IEnumerable<string> lines, string source = ".dockerignore")
    {
        var rules = new List<Rule>();
        var lineNumber = 0;
        foreach (var raw in lines)
        {
            lineNumber++;
            if (raw.StartsWith('#'))
            {
                continue;
            }

            var pattern = raw.Trim();
            if (pattern.Length == 0)
            {
                continue;
            }

            var exclusion = false;
            if (pattern[0] == '!')
            {
                exclusion = true;
                pattern = pattern[1..].Trim();
                if (pattern.Length == 0)
                {
                    throw Catalog.Docker.BadIgnorePattern.Exception($"{source}:{lineNumber}", "'!' must be followed by a pattern");
                }
            }

            pattern = CleanPath(pattern);
            pattern = pattern.TrimStart('/');
            if (pattern.Length == 0)
            {
                pattern = ".";
            }

            rules.Add(new Rule(pattern, exclusion, Compile(pattern, source, lineNumber)));
        }

        return new DockerIgnore(rules);
    }

    /// <summary>Returns a copy with extra exceptions appended (used to always send the Dockerfile and ignore file).</summary>
    public DockerIgnore WithExceptions(params string[] paths) =>
        new(_rules.Concat(paths.Select(p => CleanPath(p).TrimStart('/'))
            .Select(p => new Rule(p, true, new Regex("^" + Regex.Escape(p) + "$", RegexOptions.CultureInvariant))))
            .ToList());

    /// <summary>Whether a path (relative to the context root, <c>/</c>-separated) is excluded, itself or through a parent directory.</summary>
    public bool IsExcluded(string relativePath)
    {
        var path = CleanPath(relativePath).TrimStart('/');
        var parents = ParentPaths(path);
        var excluded = false;
        foreach (var rule in _rules)
        {
            // Only a rule that can change the verdict needs evaluating.
            if (rule.Exclusion != excluded)
            {
                continue;
            }

            var match = rule.Regex.IsMatch(path) || parents.Any(rule.Regex.IsMatch);
            if (match)
            {
                excluded = !rule.Exclusion;
            }
        }

        return excluded;
    }

    /// <summary>
    /// Whether an excluded directory must still be walked because an exception could re-include something inside it.
    /// </summary>
    public bool MayReincludeUnder(string relativeDirectory)
    {
        var directory = CleanPath(relativeDirectory).TrimStart('/');
        var directorySegments = directory.Split('/');
        foreach (var rule in _rules)
        {
            if (rule.Exclusion && CouldMatchBelow(rule.Pattern.Split('/'), directorySegments))
            {
                return true;
            }
        }

        return false;
    }

    private static bool CouldMatchBelow(string[] pattern, string[] directory)
    {
        for (var i = 0; i < directory.Length; i++)
        {
            if (i >= pattern.Length)
            {
                return false;
            }

            if (pattern[i].Contains("**", StringComparison.Ordinal))
            {
                return true;
            }

            if (!SegmentRegex(pattern[i]).IsMatch(directory[i]))
            {
                return false;
            }
        }

        return pattern.Length > directory.Length;
    }

    private static Regex SegmentRegex(string segment)
    {
        try
        {
            return Compile(segment, "", 0);
        }
        catch (BriocheJobException)
        {
            return new Regex("^" + Regex.Escape(segment) + "$");
        }
    }

    private static IEnumerable<string> ParentPaths(string path)
    {
        var index = path.IndexOf('/');
        while (index > 0)
        {
            yield return path[..index];
            index = path.IndexOf('/', index + 1);
        }
    }

    /// <summary>Go's filepath.Clean for <c>/</c>-separated paths: collapses <c>//</c>, <c>.</c> and <c>..</c>.</summary>
    public static string CleanPath(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!rooted)
                {
                    parts.Add("..");
                }

                continue;
            }

            parts.Add(part);
        }

        var joined = string.Join('/', parts);
        if (rooted)
        {
            return "/" + joined;
        }

        return joined.Length == 0 ? "." : joined;
    }

    private static Regex Compile(string pattern, string source, int line)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++;
                    }
                    // "**" at the end matches everything; "**/" matches zero or more directories.
                    regex.Append(i + 1 >= pattern.Length ? ".*" : "(.*/)?");
                    break;
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '\\':
                    if (i + 1 >= pattern.Length)
                    {
                        throw BadPattern(pattern, source, line, "it ends with a lone backslash");
                    }

                    regex.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                case '[':
                    i = AppendCharacterClass(pattern, i, regex, source, line);
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        regex.Append('$');
        try
        {
            return new Regex(regex.ToString(), RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            // What the class scan lets through but .NET refuses: a range in reverse order ("[z-a]"), say.
            throw BadPattern(pattern, source, line, e is RegexParseException parse ? ReasonOf(parse) : "it cannot be compiled");
        }
    }

    private static string ReasonOf(RegexParseException e) => e.Error switch
    {
        RegexParseError.ReversedCharacterRange => "a character range is in reverse order",
        _ => "it cannot be compiled (" + e.Error + ")",
    };

    private static int AppendCharacterClass(string pattern, int start, StringBuilder regex, string source, int line)
    {
        var i = start + 1;
        var body = new StringBuilder();
        if (i < pattern.Length && pattern[i] == '^')
        {
            body.Append('^');
            i++;
        }

        var first = true;
        for (; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == ']' && !first)
            {
                if (body.Length == 0 || body.ToString() == "^")
                {
                    throw BadPattern(pattern, source, line, "it has an empty character class");
                }

                regex.Append("(?!/)[").Append(body).Append(']');
                return i;
            }

            first = false;
            if (c == '\\')
            {
                if (++i >= pattern.Length)
                {
                    break;
                }

                c = pattern[i];
            }

            if (c == '-' && body.Length > 0 && i + 1 < pattern.Length && pattern[i + 1] != ']')
            {
                body.Append('-');
            }
            else
            {
                body.Append(c is '\\' or ']' or '[' or '^' or '-' ? "\\" + c : c.ToString());
            }
        }

        throw BadPattern(pattern, source, line, "a '[' is never closed");
    }

    private static BriocheJobException BadPattern(string pattern, string source, int line, string why) =>
        Catalog.Docker.BadIgnorePattern.Exception($"{source}{(line > 0 ? ":" + line : "")}", $"pattern '{pattern}' is not valid: {why}");

    private sealed record Rule(string Pattern, bool Exclusion, Regex Regex);
}
