using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>import</c>: records jobs another tool kept. Each source is a subcommand (<c>brioche</c>, <c>docker</c>).</summary>
internal static class ImportCommand
{
    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command("import", command =>
        {
            command.Description = "Record jobs kept by another tool, so they can be listed and selected.";
            ImportBriocheCommand.Register(command, context);
            ImportDockerCommand.Register(command, context);
            ImportBundleCommand.Register(command, context);
            command.OnExecute(() =>
            {
                command.ShowHelp();
                return ExitCodes.Usage;
            });
        });
    }
}
