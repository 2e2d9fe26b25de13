using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli;

/// <summary>
/// Lets <c>-2</c> be a job selector. CommandLineUtils reads any word starting with <c>-</c> as an option, so before
/// parsing, a bare <c>-N</c> (before any <c>--</c>, and not the value of an option like <c>--tail</c>) is rewritten
/// to the hidden option <c>--job=-N</c> that every job command also accepts.
/// </summary>
internal static class SelectorArguments
{
    public const string JobOption = "--job";

    public static string[] Rewrite(string[] args, CommandLineApplication app)
    {
        HashSet<string> valueOptions = ValueOptions(app);
        var rewritten = new string[args.Length];
        bool afterSeparator = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            afterSeparator |= arg == "--";
            bool isValue = i > 0 && valueOptions.Contains(args[i - 1]);
            rewritten[i] = !afterSeparator && !isValue && IsCountBack(arg) ? $"{JobOption}={arg}" : arg;
        }

        return rewritten;
    }

    /// <summary><c>-1</c>, <c>-2</c>, …</summary>
    public static bool IsCountBack(string word) =>
        word.Length > 1 && word[0] == '-' && word.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    /// <summary>Every option name, in any command, that takes a value.</summary>
    public static HashSet<string> ValueOptions(CommandLineApplication app)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<CommandLineApplication>([app]);
        while (pending.TryPop(out CommandLineApplication? command))
        {
            foreach (CommandOption option in command.Options)
            {
                if (option.OptionType is CommandOptionType.SingleValue or CommandOptionType.MultipleValue)
                {
                    if (option.LongName is { } longName)
                    {
                        names.Add("--" + longName);
                    }

                    if (option.ShortName is { } shortName)
                    {
                        names.Add("-" + shortName);
                    }
                }
            }

            foreach (CommandLineApplication child in command.Commands)
            {
                pending.Push(child);
            }
        }

        return names;
    }
}
