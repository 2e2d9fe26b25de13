using McMaster.Extensions.CommandLineUtils;
using BriocheJob.Cli.Commands;

namespace BriocheJob.Cli;

/// <summary>Builds the command tree: one small class per command under <c>Commands/</c>.</summary>
internal static class BriocheJobApp
{
    public static CommandLineApplication Create(IConsole console, CancellationToken cancellationToken)
    {
        var app = new CommandLineApplication(console)
        {
            Name = "dotnet brioche-job",
            FullName = "brioche-job",
            Description = "Find the Brioche or Docker build job that broke, show its logs and open a shell where it failed.",
            MakeSuggestionsInErrorMessage = true,
        };
        app.HelpOption("-h|--help", inherited: true);
        app.VersionOption("--version", typeof(BriocheJobApp).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

        var context = new CliContext(console, cancellationToken);
        foreach (var register in Commands)
        {
            register(app, context);
        }

        app.OnExecute(() =>
        {
            app.ShowHelp();
            return ExitCodes.Usage;
        });
        return app;
    }

    /// <summary>Every command, in the order help lists them.</summary>
    private static readonly Action<CommandLineApplication, CliContext>[] Commands =
    [
        TraceCommand.Register,
    ];
}
