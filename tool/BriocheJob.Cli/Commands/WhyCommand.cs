using BriocheJob.Diagnostics;
using BriocheJob.History;
using BriocheJob.Jobs;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>why [JOB]</c>: why the job ran instead of hitting the cache, against the previous run of its step.</summary>
internal static class WhyCommand
{
    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command("why", command =>
        {
            command.Description = "Explain why a job ran instead of hitting the cache, against the previous job with the same step key.";
            var job = CommandOptions.JobArgument(command);
            var json = command.Option("--json", "{job, previous, reason, changes: [{field, before, after}], ancestor, detail}.", CommandOptionType.NoValue);
            command.OnExecute(() =>
            {
                SelectorResolution resolution = context.Resolver.Resolve(CommandOptions.Selector(job));
                if (resolution.Job is not { } view)
                {
                    throw Catalog.Commands.NeedsRecordedJob.Exception("why", "job");
                }

                WhyAnswer answer = WhyExplainer.Explain(context.ReadStore, view);
                if (json.HasValue())
                {
                    context.WriteJson(WhyReport.Json(answer), HistoryJsonContext.Default.WhyJson);
                }
                else
                {
                    context.Out.Write(WhyReport.Text(answer, context.Host.TimeZone));
                }

                return ExitCodes.Success;
            });
        });
    }
}
