using BriocheJob.Bundles;
using BriocheJob.Diagnostics;
using BriocheJob.Jobs;
using BriocheJob.Retention;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>export [JOB|BUILD] -o FILE</c>: one failure bundle to hand to someone else, secrets redacted.</summary>
internal static class ExportCommand
{
    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command("export", command =>
        {
            command.Description = "Write a job (or a whole build) with its logs, Dockerfile and sources to one bundle file, secrets redacted.";
            var selector = CommandOptions.JobArgument(command, "job",
                "The job (default: the most recent failed job), or a build id, external id or prefix that matches no job.");
            var build = command.Option("--build <BUILD>", "Export this whole build (id, external id, prefix, last or -N).", CommandOptionType.SingleValue);
            var output = command.Option("-o|--output <FILE>", "The bundle to write (a .tar.gz).", CommandOptionType.SingleValue).IsRequired();
            var redact = command.Option("--redact <NAME>", "Also redact this build arg or environment variable (repeatable).", CommandOptionType.MultipleValue);
            command.OnExecute(() =>
            {
                var (details, jobs) = Select(context, CommandOptions.Selector(selector), build.Value());
                var result = BundleExporter.Export(details, jobs, output.Value()!, redact.Values.OfType<string>(), DateTimeOffset.UtcNow,
                    exportedBy: "brioche-job " + (typeof(ExportCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"));
                foreach (var warning in result.Warnings)
                {
                    context.Error.WriteLine($"warning: {warning}");
                }

                if (result.Redacted.Count == 0)
                {
                    context.Out.WriteLine("redacted: nothing (no build arg or environment variable looks secret)");
                }

                foreach (var redaction in result.Redacted)
                {
                    context.Out.WriteLine($"redacted {redaction.Name} (found in: {redaction.Where}): its value replaced {redaction.Occurrences} times in logs and records");
                }

                context.Out.WriteLine($"wrote {result.Path} ({SizeText.Format(result.Bytes)}): build {result.BuildId}, {Counted.Of(result.Projects, "project")}, {Counted.Of(result.Jobs, "job")}, {Counted.Of(result.EventsFiles, "events file")}");
                return ExitCodes.Success;
            });
        });
    }

    /// <summary>A whole build with <c>--build</c>; else the selected job; else, when the text matches no job, the build it names.</summary>
    private static (BuildDetails Build, IReadOnlyList<JobView> Jobs) Select(CliContext context, string? selector, string? buildSelector)
    {
        if (buildSelector is not null)
        {
            var whole = context.Resolver.ResolveBuild(buildSelector);
            return (whole, whole.Jobs);
        }

        JobView job;
        try
        {
            var resolution = context.Resolver.Resolve(selector);
            job = resolution.Job ?? throw Catalog.Commands.NeedsRecordedJob.Exception("export", "job or build");
        }
        catch (BriocheJobException e) when (e.Code == Catalog.Selectors.NoMatch.Code && selector is not null)
        {
            var named = context.Resolver.ResolveBuild(selector);
            return (named, named.Jobs);
        }

        var build = job.Build is { } b ? context.ReadStore.GetBuild(b.Id) : null;
        if (build is null)
        {
            throw Catalog.Commands.JobWithoutBuild.Exception(job.Job.Id);
        }

        return (build, [job]);
    }
}
