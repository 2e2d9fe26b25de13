using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using BriocheJob.Cli.Commands;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli;

/// <summary>Builds the command tree: one small class per command under <c>Commands/</c>.</summary>
internal static class BriocheJobApp
{
    // Argument(...).IsRequired() makes a RequiredAttribute through Activator; keep its constructor when trimmed (AOT).
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(RequiredAttribute))]
    public static CommandLineApplication Create(CliContext context)
    {
        var app = new CommandLineApplication(context.Console)
        {
            Name = "dotnet brioche-job",
            FullName = "brioche-job",
            Description = "Find the Brioche or Docker build job that broke, show its logs and open a shell where it failed.",
            MakeSuggestionsInErrorMessage = true,
            HelpTextGenerator = CommandHelpText.Instance,
        };
        app.HelpOption("-h|--help", inherited: true);
        // Read when --version is given: the assembly's name comes through reflection, which no other command needs.
        app.VersionOption("--version", () => typeof(BriocheJobApp).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
        context.HomeOption = app.Option("--home <DIR>",
            "The data home (default: $BRIOCHE_JOB_HOME, else $XDG_DATA_HOME/brioche-job, else ~/.local/share/brioche-job).",
            CommandOptionType.SingleValue, inherited: true);
        context.StoreOption = app.Option("--store <LOCATION>",
            "The job store: a postgresql://user@host:port/db?sslmode=... URI or an Npgsql connection string " +
            "(default: $BRIOCHE_JOB_STORE, else the embedded SQLite store in the data home).",
            CommandOptionType.SingleValue, inherited: true);
        context.RawOption = app.Option("--raw",
            "With output to a pipe or file, print control characters in logs and names as they are (they are escaped as \\xHH otherwise).",
            CommandOptionType.NoValue, inherited: true);

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
        ListCommand.Register,
        ShowCommand.Register,
        LogsCommand.Register,
        WhyCommand.Register,
        DebugShellCommand.Register,
        BuildsCommand.Register,
        ImportCommand.Register,
        TraceCommand.Register,
        StoreCommand.Register,
        PruneCommand.Register,
        ExportCommand.Register,
        CompletionCommand.Register,
        CompleteCommand.Register,
    ];
}
