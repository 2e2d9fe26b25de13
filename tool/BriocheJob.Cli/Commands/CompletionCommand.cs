using BriocheJob.Completion;
using BriocheJob.Diagnostics;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>completion bash|zsh|fish|pwsh</c>: prints the shell's completion script.</summary>
internal static class CompletionCommand
{
    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command("completion", command =>
        {
            command.Description = "Print the shell completion script for bash, zsh, fish or pwsh (see the README for the install line).";
            var shell = command.Argument("shell", "bash, zsh, fish or pwsh.").IsRequired();
            command.OnExecute(() =>
            {
                var script = CompletionScripts.For(shell.Value!.ToLowerInvariant())
                    ?? throw Catalog.Commands.InvalidOption.Exception("completion", "one of " + string.Join(", ", CompletionScripts.Shells), shell.Value);
                context.Out.Write(script);
                return ExitCodes.Success;
            });
        });
    }
}
