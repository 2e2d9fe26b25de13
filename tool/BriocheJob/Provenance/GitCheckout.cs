namespace BriocheJob.Provenance;

/// <summary>The commit and branch a working directory has checked out, read from its <c>.git</c>.</summary>
/// <param name="Commit">Null on a branch with no commit yet.</param>
/// <param name="Branch">Null when HEAD is detached (as CI checkouts often are).</param>
public sealed record GitHead(string? Commit, string? Branch);

/// <summary>
/// Reads HEAD straight from the repository files rather than running git: a build needs no git on PATH, and
/// recording stays a few file reads. Handles <c>.git</c> folders, <c>.git</c> files (worktrees, submodules) with
/// their <c>commondir</c>, loose refs and <c>packed-refs</c>. Anything it cannot read gives null, never an error:
/// provenance is a courtesy and must not stop a recording.
/// </summary>
public static class GitCheckout
{
    public static GitHead? Read(string? directory)
    {
        if (string.IsNullOrEmpty(directory))
        {
            return null;
        }

        try
        {
            var gitDirectory = FindGitDirectory(Path.GetFullPath(directory));
            if (gitDirectory is null)
            {
                return null;
            }

            var commonDirectory = CommonDirectory(gitDirectory);
            var head = ReadLine(Path.Combine(gitDirectory, "HEAD"));
            if (head is null)
            {
                return null;
            }

            if (!head.StartsWith("ref:", StringComparison.Ordinal))
            {
                return new GitHead(CiEnvironment.Commit(head), null);
            }

            var reference = head["ref:".Length..].Trim();
            var branch = CiEnvironment.BranchOfRef(reference);
            return new GitHead(ResolveRef(reference, gitDirectory, commonDirectory), branch);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The nearest <c>.git</c> at or above <paramref name="directory"/>: a folder, or the folder a <c>gitdir:</c> file names.</summary>
    private static string? FindGitDirectory(string directory)
    {
        for (var current = new DirectoryInfo(directory); current is not null; current = current.Parent)
        {
            var candidate = Path.Combine(current.FullName, ".git");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }

            if (File.Exists(candidate))
            {
                var line = ReadLine(candidate);
                if (line is null || !line.StartsWith("gitdir:", StringComparison.Ordinal))
                {
                    return null;
                }

                var target = line["gitdir:".Length..].Trim();
                return Path.GetFullPath(Path.Combine(current.FullName, target));
            }
        }

        return null;
    }

    /// <summary>A worktree's own folder holds HEAD; its refs live in the main repository, which <c>commondir</c> names.</summary>
    private static string CommonDirectory(string gitDirectory)
    {
        var common = ReadLine(Path.Combine(gitDirectory, "commondir"));
        return common is null ? gitDirectory : Path.GetFullPath(Path.Combine(gitDirectory, common));
    }

    private static string? ResolveRef(string reference, string gitDirectory, string commonDirectory)
    {
        foreach (var folder in new[] { gitDirectory, commonDirectory })
        {
            var path = Path.Combine(folder, reference);
            if (File.Exists(path) && CiEnvironment.Commit(ReadLine(path)) is { } loose)
            {
                return loose;
            }
        }

        var packed = Path.Combine(commonDirectory, "packed-refs");
        if (!File.Exists(packed))
        {
            return null;
        }

        foreach (var line in File.ReadLines(packed))
        {
            // "<hex> <ref>"; comment lines start with '#', peeled tags with '^'.
            var space = line.IndexOf(' ');
            if (space > 0 && line.AsSpan(space + 1).SequenceEqual(reference))
            {
                return CiEnvironment.Commit(line[..space]);
            }
        }

        return null;
    }

    private static string? ReadLine(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var reader = new StreamReader(path);
        return reader.ReadLine()?.Trim();
    }
}
