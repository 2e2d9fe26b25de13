using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace BriocheJob.Docker;

/// <summary>
/// A digest per COPY/ADD source of a build context, over exactly what the context tar sends for it (the
/// <c>.dockerignore</c> rules applied): each matching entry's name, mode and content. BuildKit's vertex digest of a
/// COPY does not change when the files it copies do (only its cache key does), so this is how <c>why</c> tells
/// "the context files it copies changed".
/// </summary>
public static class ContextSourceDigests
{
    /// <summary>
    /// For each COPY/ADD instruction of <paramref name="dockerfile"/> that copies from the context (no <c>--from</c>,
    /// no URL, no heredoc), keyed by its first line: source as written → <c>sha256:…</c>.
    /// </summary>
    public static IReadOnlyDictionary<int, IReadOnlyDictionary<string, string>> Compute(BuildContext context, Dockerfile dockerfile)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(dockerfile);
        var result = new Dictionary<int, IReadOnlyDictionary<string, string>>();
        List<string>? entries = null;
        var words = new DockerfileShellWords(dockerfile.EscapeCharacter);
        foreach (DockerfileStage stage in dockerfile.Stages)
        {
            foreach (DockerfileInstruction instruction in stage.Instructions)
            {
                if (Sources(instruction, words) is not { Count: > 0 } sources)
                {
                    continue;
                }

                entries ??= context.EnumerateEntryNames()
                    .Where(n => !(context.DockerfileIsExternal && n == context.DockerfileNameInContext)).ToList();
                var digests = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (string source in sources)
                {
                    digests[source] = Digest(context.ContextDirectory, entries, source);
                }

                result[instruction.Line] = digests;
            }
        }

        return result;
    }

    /// <summary>The context sources of a COPY or ADD, variables expanded with the build args in scope.</summary>
    internal static IReadOnlyList<string>? Sources(DockerfileInstruction instruction, DockerfileShellWords words)
    {
        if (instruction.Keyword is not ("COPY" or "ADD"))
        {
            return null;
        }

        List<string> all;
        if (instruction.JsonArguments is { } json)
        {
            all = json.ToList();
        }
        else
        {
            var args = instruction.StateBefore.Args;
            all = words.SplitRaw(instruction.Arguments)
                .Select(w => words.Process(w, name => args.TryGetValue(name, out string? v) ? v : null)).ToList();
        }

        int at = 0;
        while (at < all.Count && all[at].StartsWith("--", StringComparison.Ordinal))
        {
            if (all[at].StartsWith("--from", StringComparison.Ordinal))
            {
                return null; // copies from a stage or an image, not from the context
            }

            at++;
        }

        List<string> operands = all.Skip(at).ToList();
        if (operands.Count < 2)
        {
            return null;
        }

        return operands.Take(operands.Count - 1)
            .Where(s => !s.StartsWith("<<", StringComparison.Ordinal) && !s.Contains("://", StringComparison.Ordinal)
                        && !s.StartsWith("git@", StringComparison.Ordinal))
            .ToList();
    }

    internal static string Digest(string contextDirectory, IReadOnlyList<string> entries, string source)
    {
        string pattern = Normalize(source);
        Regex? glob = pattern.IndexOfAny(['*', '?', '[']) >= 0 ? GlobRegex(pattern) : null;
        var matchedRoots = new List<string>();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string entry in entries)
        {
            string name = entry.TrimEnd('/');
            bool matches = pattern.Length == 0
                || (glob is null ? name == pattern || name.StartsWith(pattern + "/", StringComparison.Ordinal) : glob.IsMatch(name))
                || matchedRoots.Any(root => name.StartsWith(root + "/", StringComparison.Ordinal));
            if (!matches)
            {
                continue;
            }

            if (glob is not null && entry.EndsWith('/'))
            {
                matchedRoots.Add(name);
            }

            AddEntry(hash, contextDirectory, entry);
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AddEntry(IncrementalHash hash, string contextDirectory, string entry)
    {
        string path = Path.Combine(contextDirectory, entry.TrimEnd('/'));
        var info = new FileInfo(path);
        string mode = OperatingSystem.IsWindows() ? "" : Convert.ToString((int)info.UnixFileMode, 8);
        hash.AppendData(Encoding.UTF8.GetBytes($"{entry}\0{mode}\0"));
        if (info.LinkTarget is { } target)
        {
            hash.AppendData(Encoding.UTF8.GetBytes("link:" + target));
        }
        else if (!entry.EndsWith('/') && info.Exists)
        {
            try
            {
                using FileStream stream = File.OpenRead(path);
                hash.AppendData(SHA256.HashData(stream));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                hash.AppendData(Encoding.UTF8.GetBytes("unreadable"));
            }
        }

        hash.AppendData("\n"u8);
    }

    private static string Normalize(string source)
    {
        string s = source.Replace('\\', '/');
        while (s.StartsWith("./", StringComparison.Ordinal))
        {
            s = s[2..];
        }

        s = s.Trim('/');
        return s is "." ? "" : s;
    }

    /// <summary>Go's filepath.Match, as Docker applies it to sources: <c>*</c> and <c>?</c> stop at <c>/</c>.</summary>
    private static Regex GlobRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '[':
                    int close = pattern.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        regex.Append(@"\[");
                        break;
                    }

                    string set = pattern[(i + 1)..close];
                    regex.Append('[').Append(set.StartsWith('^') || set.StartsWith('!') ? "^" + set[1..] : set).Append(']');
                    i = close;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
