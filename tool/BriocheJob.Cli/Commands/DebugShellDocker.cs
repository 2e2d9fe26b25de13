using BriocheJob.DebugShells;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.Jobs;
using BriocheJob.Recording;

namespace BriocheJob.Cli.Commands;

/// <summary>
/// The Docker side of <c>debug-shell</c>: rebuild the Dockerfile up to the failed step, then an interactive shell
/// (the docker CLI) or one command (<c>-- CMD ARGS…</c>, exit code passed through) in the step's environment.
/// The throwaway image is removed afterwards.
/// </summary>
internal static class DebugShellDocker
{
    public static int Run(CliContext context, JobTarget target, IReadOnlyList<string> shellCommand)
    {
        var job = target.Job?.Job ?? throw Catalog.DockerBuild.NeedsRecordedDockerJob.Exception();
        var plan = DockerDebugShellPlan.For(job);
        if (!Directory.Exists(plan.ContextDirectory))
        {
            // An imported bundle carries the Dockerfile, not the build context.
            throw Catalog.Commands.ContextNotHere.Exception(job.Id, plan.ContextDirectory, plan.DockerfilePath);
        }

        // With a command, stdout is the command's own: the preamble goes to stderr so scripts can use the output.
        var preamble = shellCommand.Count > 0 ? context.Error : context.Out;
        foreach (var warning in plan.Warnings)
        {
            context.Error.WriteLine($"warning {Catalog.DockerBuild.DockerfileChanged}: {warning}");
        }

        preamble.WriteLine($"step:    {plan.DockerfilePath}:{plan.Line} (stage {plan.Stage})");
        preamble.WriteLine($"command: {plan.Command ?? plan.Instruction}");
        preamble.WriteLine($"status:  {JobDisplay.Outcome(job)}{(JobDisplay.ShortExitStatus(job) is { } exit ? $" ({exit})" : "")}");
        preamble.WriteLine($"building {Path.GetFileName(plan.DockerfilePath)} up to line {plan.Line - 1} as {plan.ImageTag}…");
        preamble.Flush();

        using var client = DockerEngineClient.Create();
        var shell = new DockerDebugShell(client);
        try
        {
            shell.BuildAsync(plan, context.CancellationToken).GetAwaiter().GetResult();
            if (shellCommand.Count > 0)
            {
                var result = shell.RunAsync(plan, shellCommand, context.CancellationToken).GetAwaiter().GetResult();
                context.Out.Write(result.Stdout);
                context.Error.Write(result.Stderr);
                return (int)result.ExitCode;
            }

            var terminal = !Console.IsInputRedirected && !Console.IsOutputRedirected;
            preamble.WriteLine($"running: docker {string.Join(' ', plan.DockerRunArguments(terminal).Select(Quote))}");
            preamble.Flush();
            return shell.RunInteractive(plan, terminal);
        }
        finally
        {
            shell.RemoveImageAsync(plan).GetAwaiter().GetResult();
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@%+,".Contains(c))
            ? argument
            : "'" + argument.Replace("'", "'\\''") + "'";
}
