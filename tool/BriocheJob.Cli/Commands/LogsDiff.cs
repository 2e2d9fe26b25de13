using BriocheJob.Diagnostics;
using BriocheJob.History;
using BriocheJob.Jobs;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>logs --diff [JOB] [--against JOB]</c>: the output against the last success of the same step.</summary>
internal static class LogsDiff
{
    public static (CommandOption Diff, CommandOption Against) AddOptions(CommandLineApplication command) =>
        (command.Option("--diff", "A unified diff of the output against the most recent earlier succeeded job with the same step key.", CommandOptionType.NoValue),
         command.Option("--against <JOB>", "With --diff: compare with this job instead.", CommandOptionType.SingleValue));

    public static int Run(CliContext context, JobTarget target, string? against)
    {
        if (target.Job is not { } head)
        {
            throw Catalog.Commands.NeedsRecordedJob.Exception("--diff", "job");
        }

        JobView @base;
        if (against is not null)
        {
            SelectorResolution resolution = context.Resolver.Resolve(against);
            @base = resolution.Job ?? throw Catalog.Commands.NeedsRecordedJob.Exception("--against", "job");
        }
        else
        {
            @base = LogDiff.FindBaseline(context.ReadStore, head);
        }

        string basePath = new JobTarget(@base, @base.Job.LocalPath, false).RequireEventsPath();
        string headPath = target.RequireEventsPath();
        context.Out.Write(LogDiff.Render(@base, basePath, head, headPath));
        return ExitCodes.Success;
    }
}
