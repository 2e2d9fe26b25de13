using BriocheJob.Diagnostics;
using BriocheJob.Jobs;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli;

/// <summary>
/// Usage errors as one coded line on stderr. CommandLineUtils would print its own two lines (a hint on stdout first,
/// then an uncoded error) and exit 1 for a missing argument; instead every command collects what it does not know,
/// and this check turns it into <c>error BJ6016</c>/<c>BJ6017</c>/<c>BJ6018</c> (exit 2), with a hint on stderr.
/// It also rejects empty option values (<c>--home ""</c>), which would otherwise read as an absent option.
/// </summary>
internal static class CommandLineChecks
{
    public static void Install(CommandLineApplication app, string[] args)
    {
        // CommandLineUtils reports a value option at the very end with a hint on stdout; say it here instead.
        HashSet<string> valueOptions = SelectorArguments.ValueOptions(app);
        for (int i = 0; i < args.Length && args[i] != "--"; i++)
        {
            if (valueOptions.Contains(args[i]) && (i == args.Length - 1 || args[i + 1] == "--"))
            {
                throw new UsageException(Catalog.Commands.OptionNeedsValue, $"see '{app.Name} --help'", args[i]);
            }
        }

        var pending = new Stack<CommandLineApplication>([app]);
        while (pending.TryPop(out CommandLineApplication? command))
        {
            command.ThrowOnUnexpectedArgument = false;
            CommandLineApplication current = command;
            command.ValidationErrorHandler = result => throw MissingArgument(current, result.ErrorMessage);
            foreach (CommandLineApplication child in command.Commands)
            {
                pending.Push(child);
            }
        }

        app.OnParsingComplete(result => Check(result.SelectedCommand, args));
    }

    private static void Check(CommandLineApplication command, string[] args)
    {
        if (command.Name == Completion.CompletionScripts.HiddenCommand)
        {
            // The completion words are the user's half-typed line: anything goes, and a Tab never shows an error.
            return;
        }

        List<string> unexpected = Unexpected(command, args);
        if (unexpected.Count > 0)
        {
            string word = unexpected[0];
            if (word.StartsWith('-') && word.Length > 1)
            {
                string name = word.Split('=', 2)[0];
                throw new UsageException(Catalog.Commands.UnknownOption,
                    Suggest(name, AllOptions(command)) is { } option ? $"did you mean '{option}'? {HelpHint(command)}" : HelpHint(command),
                    CommandPath(command), Shorten(name));
            }

            bool takesSubcommand = command.Commands.Count > 0;
            throw new UsageException(takesSubcommand ? Catalog.Commands.UnknownCommand : Catalog.Commands.UnexpectedArgument,
                takesSubcommand && Suggest(word, command.Commands.Select(c => c.Name!)) is { } suggestion
                    ? $"did you mean '{suggestion}'? {HelpHint(command)}"
                    : HelpHint(command),
                CommandPath(command), Shorten(word));
        }

        for (CommandLineApplication? scope = command; scope is not null; scope = scope.Parent)
        {
            foreach (CommandOption option in scope.Options)
            {
                if (option.OptionType == CommandOptionType.SingleValue && option.HasValue() && option.Value() is { Length: 0 })
                {
                    throw Catalog.Commands.EmptyOptionValue.Exception($"--{option.LongName}");
                }
            }
        }
    }

    /// <summary>What the command collected and does not know: everything but what follows an allowed <c>--</c>.</summary>
    private static List<string> Unexpected(CommandLineApplication command, string[] args)
    {
        List<string> remaining = [.. command.RemainingArguments];
        if (!command.AllowArgumentSeparator)
        {
            return remaining;
        }

        int separatorInList = remaining.IndexOf("--");
        if (separatorInList >= 0)
        {
            return remaining[..separatorInList];
        }

        int separator = Array.IndexOf(args, "--");
        int after = separator < 0 ? 0 : args.Length - separator - 1;
        return remaining[..Math.Max(0, remaining.Count - after)];
    }

    private static IEnumerable<string> AllOptions(CommandLineApplication command)
    {
        for (CommandLineApplication? scope = command; scope is not null; scope = scope.Parent)
        {
            foreach (CommandOption option in scope.Options)
            {
                if (option.ShowInHelpText && option.LongName is { } name && (scope == command || option.Inherited))
                {
                    yield return "--" + name;
                }
            }
        }
    }

    /// <summary>The closest name within two edits, or one that starts with the word.</summary>
    private static string? Suggest(string word, IEnumerable<string> names)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string name in names)
        {
            int distance = name.StartsWith(word, StringComparison.OrdinalIgnoreCase) && word.TrimStart('-').Length > 0
                ? 1
                : EditDistance(word.ToLowerInvariant(), name.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = name;
                bestDistance = distance;
            }
        }

        return bestDistance <= 2 ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }

        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    private static UsageException MissingArgument(CommandLineApplication command, string? message) =>
        message is { } text && text.StartsWith("The ", StringComparison.Ordinal) && text.EndsWith(" field is required.", StringComparison.Ordinal)
            ? new UsageException(Catalog.Commands.MissingArgument, HelpHint(command), CommandPath(command), text["The ".Length..^" field is required.".Length])
            : new UsageException(Catalog.Commands.ArgumentsRejected, HelpHint(command), CommandPath(command), (message ?? "invalid arguments").TrimEnd('.'));

    /// <summary><c>dotnet brioche-job import docker</c>.</summary>
    public static string CommandPath(CommandLineApplication command)
    {
        var names = new List<string>();
        for (CommandLineApplication? scope = command; scope is not null; scope = scope.Parent)
        {
            names.Add(scope.Name ?? "");
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    private static string HelpHint(CommandLineApplication command) => $"see '{CommandPath(command)} --help'";

    /// <summary>Echoes at most 80 characters of what the user typed, so a huge word does not flood the terminal.</summary>
    public static string Shorten(string text, int max = 80) =>
        text.Length <= max ? text : $"{text[..max]}… ({text.Length} characters)";
}

/// <summary>A usage error with a hint line printed after it on stderr.</summary>
internal sealed class UsageException(IDiagnosticMessage message, string hint, params object?[] args)
    : BriocheJobException(message.Diagnostic, message.Message(args))
{
    public string Hint { get; } = hint;
}
