namespace BriocheJob.Brioche;

/// <summary>Command lines for display, quoted the way a POSIX shell would read them back.</summary>
public static class ShellQuoting
{
    /// <summary>A command line for display: arguments with spaces or quotes are single-quoted, shell style.</summary>
    public static string CommandLine(string command, IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return string.Join(' ', new[] { command }.Concat(args).Select(Quote));
    }

    /// <summary>The longest job name the store keeps.</summary>
    public const int MaxJobNameLength = 500;

    /// <summary>
    /// A Brioche job's name: its command line, shell-quoted as in <see cref="CommandLine"/>, cut at
    /// <see cref="MaxJobNameLength"/>. Recording, <c>import brioche</c> and <c>show &lt;events file&gt;</c> all name a job so.
    /// </summary>
    public static string JobName(string command, IEnumerable<string> args)
    {
        string name = CommandLine(command, args);
        return name.Length > MaxJobNameLength ? name[..MaxJobNameLength] : name;
    }

    /// <summary>Arguments quoted as in <see cref="CommandLine"/>, without a command.</summary>
    public static string Arguments(IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return string.Join(' ', args.Select(Quote));
    }

    private static string Quote(string word)
    {
        if (word.Length > 0 && !word.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '\\' or '$' or '`' or ';' or '&' or '|' or '*'))
        {
            return word;
        }

        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
