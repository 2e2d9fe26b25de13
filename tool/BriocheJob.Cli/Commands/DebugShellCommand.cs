using BriocheJob.Brioche;
using BriocheJob.DebugShells;
using BriocheJob.Diagnostics;
using BriocheJob.Jobs;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary>
/// <c>debug-shell [JOB] [-- CMD ARGS…]</c>: prints the failed command and its exit status, then opens a shell where
/// the job ran. Dispatches on the job's kind; each kind has its own method below.
/// </summary>
internal static class DebugShellCommand
{
    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command("debug-shell", command =>
        {
            command.Description = "Print the failed command and its exit status, then open a shell where the job ran.";
            command.AllowArgumentSeparator = true;
            var job = CommandOptions.JobArgument(command);
            command.OnExecute(() =>
            {
                (string? selector, IReadOnlyList<string> shellCommand) = SplitArguments(command, job);
                JobTarget target = JobTarget.Resolve(context, selector, allowStandardInput: false);
                JobKind kind = target.Job?.Job.Kind ?? JobKind.Brioche;
                return kind switch
                {
                    JobKind.Brioche => RunBrioche(context, target, shellCommand),
                    _ => DebugShellDocker.Run(context, target, shellCommand),
                };
            });
        });
    }

    /// <summary>Brioche re-creates the sandbox from the events file; it always runs <c>/bin/sh -i</c>.</summary>
    private static int RunBrioche(CliContext context, JobTarget target, IReadOnlyList<string> shellCommand)
    {
        if (shellCommand.Count > 0)
        {
            throw Catalog.Commands.BriocheShellTakesNoCommand.Exception();
        }

        string path = Path.GetFullPath(target.RequireEventsPath());
        string brioche = BriocheDebugShell.FindBrioche(context.Host.GetEnvironmentVariable);
        ProcessLog log = ProcessLog.Read(path, new ProcessLogOptions { Tail = 0 });
        JobRecord job = target.Job?.Job ?? JobTarget.FromLog(log, path).Job;
        if (log.Description is { } description)
        {
            context.Out.WriteLine($"command: {JobDisplay.CommandLine(description.CommandDisplay, description.ArgsDisplay)}");
        }

        context.Out.WriteLine($"status:  {JobDisplay.Outcome(job)}{(JobDisplay.ShortExitStatus(job) is { } exit ? $" ({exit})" : "")}");
        context.Out.WriteLine($"running: brioche jobs debug-shell {path}");
        context.Out.Flush();
        return BriocheDebugShell.Run(brioche, path);
    }

    /// <summary>The selector, and the command after <c>--</c>.</summary>
    private static (string? Selector, IReadOnlyList<string> Command) SplitArguments(CommandLineApplication command, JobSelectorInput job)
    {
        List<string> after = [.. command.RemainingArguments];
        if (after.Count > 0 && after[0] == "--")
        {
            after.RemoveAt(0);
        }

        return (CommandOptions.Selector(job), after);
    }
}
