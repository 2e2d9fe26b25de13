using BriocheJob.Completion;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary>
/// The hidden <c>__complete -- WORD…</c> the completion scripts call: the words after the program name, the last
/// being the one under the cursor. Prints one candidate per line (<c>value TAB description</c>): subcommands, options,
/// option values, and job or build selectors from the store. It never fails and never creates the store.
/// </summary>
internal static class CompleteCommand
{
    private static readonly Dictionary<string, string[]> OptionValues = new(StringComparer.Ordinal)
    {
        ["stream"] = ["stdout", "stderr"],
        ["kind"] = ["brioche", "docker"],
        ["encoding"] = ["auto", "json", "rawjson", "history"],
    };

    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command(CompletionScripts.HiddenCommand, command =>
        {
            command.ShowInHelpText = false;
            command.AllowArgumentSeparator = true;
            command.ThrowOnUnexpectedArgument = false;
            command.OnExecute(() =>
            {
                var words = command.RemainingArguments.SkipWhile(w => w == "--").ToList();
                try
                {
                    foreach (var candidate in Complete(app, context, words))
                    {
                        context.Out.Write(candidate.ToLine() + "\n");
                    }
                }
                catch (Exception e) when (e is BriocheJobException or IOException or UnauthorizedAccessException)
                {
                    // A shell's Tab never shows an error.
                }

                return ExitCodes.Success;
            });
        });
    }

    internal static IEnumerable<CompletionCandidate> Complete(CommandLineApplication root, CliContext context, IReadOnlyList<string> words)
    {
        var current = words.Count > 0 ? words[^1] : "";
        var command = root;
        CommandOption? pendingOption = null;
        string? home = null;
        int positional = 0;
        foreach (var word in words.Take(Math.Max(0, words.Count - 1)))
        {
            if (pendingOption is not null)
            {
                if (pendingOption.LongName == "home")
                {
                    home = word;
                }

                pendingOption = null;
                continue;
            }

            if (word == "--")
            {
                return [];
            }

            if (word.StartsWith('-') && word.Length > 1 && !SelectorArguments.IsCountBack(word))
            {
                var name = word.Split('=', 2)[0];
                var option = FindOption(command, name);
                if (option is { OptionType: CommandOptionType.SingleValue or CommandOptionType.MultipleValue } && !word.Contains('='))
                {
                    pendingOption = option;
                }

                continue;
            }

            var sub = command.Commands.FirstOrDefault(c => c.Name == word);
            if (sub is not null && positional == 0)
            {
                command = sub;
            }
            else
            {
                positional++;
            }
        }

        var dataHome = home is { Length: > 0 } ? new DataHome(home) : HomeOf(context);
        if (pendingOption is not null)
        {
            return ValuesOf(pendingOption, dataHome, current);
        }

        if (current.StartsWith('-') && !SelectorArguments.IsCountBack(current))
        {
            return command.GetOptions()
                .Where(o => o.ShowInHelpText)
                .Select(o => new CompletionCandidate(o.LongName is { } l ? "--" + l : "-" + o.ShortName, o.Description))
                .Where(c => c.Value.StartsWith(current, StringComparison.Ordinal))
                .DistinctBy(c => c.Value)
                .ToList();
        }

        var candidates = new List<CompletionCandidate>();
        if (positional == 0)
        {
            candidates.AddRange(command.Commands
                .Where(c => c.ShowInHelpText && c.Name is not null && c.Name.StartsWith(current, StringComparison.Ordinal))
                .Select(c => new CompletionCandidate(c.Name!, c.Description)));
            var argument = command.Arguments.FirstOrDefault();
            if (argument?.Name == "job")
            {
                candidates.AddRange(StoreCandidates.Jobs(dataHome, current));
            }
            else if (argument?.Name == "build")
            {
                candidates.AddRange(StoreCandidates.Builds(dataHome, current));
            }
            else if (argument?.Name == "shell")
            {
                candidates.AddRange(CompletionScripts.Shells.Where(s => s.StartsWith(current, StringComparison.Ordinal)).Select(s => new CompletionCandidate(s)));
            }
        }

        return candidates;
    }

    private static IEnumerable<CompletionCandidate> ValuesOf(CommandOption option, DataHome home, string current)
    {
        if (option.LongName is { } name && OptionValues.TryGetValue(name, out var values))
        {
            return values.Where(v => v.StartsWith(current, StringComparison.OrdinalIgnoreCase)).Select(v => new CompletionCandidate(v));
        }

        return option.LongName switch
        {
            "build" => StoreCandidates.Builds(home, current),
            "job" => StoreCandidates.Jobs(home, current),
            _ => [],
        };
    }

    private static CommandOption? FindOption(CommandLineApplication command, string name) =>
        command.GetOptions().FirstOrDefault(o =>
            (o.LongName is { } l && name == "--" + l) || (o.ShortName is { } s && name == "-" + s) || (o.SymbolName is { } y && name == "-" + y));

    private static DataHome HomeOf(CliContext context)
    {
        try
        {
            return context.Home;
        }
        catch (BriocheJobException)
        {
            return new DataHome("/nonexistent-brioche-job-home");
        }
    }
}
