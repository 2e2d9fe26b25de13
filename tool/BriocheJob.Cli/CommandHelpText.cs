using McMaster.Extensions.CommandLineUtils;
using McMaster.Extensions.CommandLineUtils.HelpText;

namespace BriocheJob.Cli;

/// <summary>
/// The library's help, with the full command path in its closing hint: CommandLineUtils writes only the command's own
/// name (<c>Run 'builds [command] --help'</c>), which is not a command anyone can run.
/// </summary>
internal sealed class CommandHelpText : DefaultHelpTextGenerator
{
    public static CommandHelpText Instance { get; } = new();

    /// <summary>The words that run <paramref name="command"/>: <c>dotnet brioche-job builds</c>.</summary>
    public static string FullPath(CommandLineApplication command)
    {
        var names = new List<string>();
        for (var c = command; c is not null; c = c.Parent)
        {
            names.Add(c.Name ?? "");
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    protected override void GenerateCommands(CommandLineApplication application, TextWriter output,
        IReadOnlyList<CommandLineApplication> visibleCommands, int firstColumnWidth)
    {
        using var text = new StringWriter();
        base.GenerateCommands(application, text, visibleCommands, firstColumnWidth);
        output.Write(text.ToString().Replace($"Run '{application.Name} [command]", $"Run '{FullPath(application)} [command]",
            StringComparison.Ordinal));
    }
}
