using System.Buffers;
using System.Text;
using System.Text.Json;
using BriocheJob.Brioche;
using BriocheJob.History;
using BriocheJob.Jobs;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>show [JOB]</c>: one job's record, stack trace, command, exit status and, if it failed, its last lines.</summary>
internal static class ShowCommand
{
    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command("show", command =>
        {
            command.Description = "Show a job: build, project, recipe, stack trace, command, exit status, timings, last log lines.";
            var job = CommandOptions.JobArgument(command);
            var lines = command.Option("--lines <N>", $"How many last log lines a failed job shows (default {JobDetails.DefaultLastLines}).", CommandOptionType.SingleValue);
            var json = command.Option("--json", "The job as JSON, with stackTrace, command, args and lastLines.", CommandOptionType.NoValue);
            command.OnExecute(() =>
            {
                int lastLines = CommandOptions.Int(lines, 0) ?? JobDetails.DefaultLastLines;
                JobTarget target = JobTarget.Resolve(context, CommandOptions.Selector(job), allowStandardInput: true);
                JobDetails details = Load(context, target, lastLines);
                RecipeHistory? recipe = target.Job is { } recorded ? RecipeHistory.Of(context.ReadStore, recorded.Job) : null;
                if (json.HasValue())
                {
                    var buffer = new ArrayBufferWriter<byte>();
                    using (var writer = new Utf8JsonWriter(buffer, CliContext.HumanJson))
                    {
                        details.WriteJson(writer, target.Job is { } view ? ShortId(context, view.Job.Id) : null, recipe?.FlakyRecipes);
                    }

                    context.Out.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
                    context.Out.Write('\n');
                }
                else
                {
                    Print(context, details, target, recipe);
                }

                return ExitCodes.Success;
            });
        });
    }

    private static JobDetails Load(CliContext context, JobTarget target, int lastLines)
    {
        if (target.Job is { } view)
        {
            return JobDetails.Load(view, lastLines);
        }

        var options = new ProcessLogOptions { Tail = lastLines };
        ProcessLog log;
        if (target.IsStandardInput)
        {
            using Stream input = context.Host.OpenStandardInput();
            log = ProcessLog.Read(input, options);
        }
        else
        {
            log = ProcessLog.Read(target.EventsPath!, options);
        }

        JobView fromFile = JobTarget.FromLog(log, target.EventsPath!);
        return JobDetails.FromLog(fromFile, target.EventsPath!, log, fromFile.Job.Result != RunResult.Succeeded);
    }

    private static void Print(CliContext context, JobDetails details, JobTarget target, RecipeHistory? recipe)
    {
        TextWriter o = context.Out;
        TimeZoneInfo zone = context.Host.TimeZone;
        JobRecord job = details.Job;
        o.WriteLine($"job       {job.Id}  {StoreTextOf(job.Kind)}, {JobDisplay.Outcome(job)}");
        if (details.View.Build is { } build)
        {
            string external = ExternalIds.Shown(build) is { } externalId ? $", external id {externalId}" : "";
            o.WriteLine($"build     {build.Id}  {build.Origin.ToString().ToLowerInvariant()}{external}, {JobDisplay.Outcome(build.State, build.Result)}");
        }

        if (details.View.Project is { } project)
        {
            string path = project.LocalProjectPath is null ? "" : $"  {project.LocalProjectPath}";
            o.WriteLine($"project   {JobDisplay.ProjectName(project)}{path}");
        }

        Line(o, "name", job.Name);
        Line(o, "recipe", job.RecipeHash);
        Line(o, "step key", details.View.Project is null ? null : StepKeys.Of(details.View));
        if (recipe is not null)
        {
            if (recipe.Flaky)
            {
                o.WriteLine("flaky     yes: the identical recipe has both succeeded and failed");
            }

            if (recipe.LastSucceeded is { } last)
            {
                string when = JobDisplay.LocalTime(last.Job.StoppedAt ?? last.Job.StartedAt, zone);
                o.WriteLine($"the identical recipe last succeeded {when} in build {last.Project?.BuildId ?? "?"} (job {last.Job.Id})");
            }
        }

        o.WriteLine($"started   {JobDisplay.LocalTime(job.StartedAt, zone)}");
        if (job.StoppedAt is { } stopped)
        {
            o.WriteLine($"stopped   {JobDisplay.LocalTime(stopped, zone)}  (took {JobDisplay.Duration(job.Duration)})");
        }

        Line(o, "pid", job.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Line(o, "exit", JobDisplay.ExitStatus(job));
        Line(o, "state", StateText(job));
        Line(o, "events", details.EventsPath);
        if (details.EventsProblem is { } problem)
        {
            o.WriteLine($"note      {problem}");
        }

        if (details.StackTrace.Count > 0)
        {
            o.WriteLine("stack trace:");
            foreach (string frame in details.StackTrace)
            {
                o.WriteLine($"  - {frame}");
            }
        }

        if (details.Command is { } commandText)
        {
            o.WriteLine($"command   {commandText}");
            o.WriteLine($"args      {JobDisplay.Arguments(details.Args)}");
        }

        if (details.LastLines.Count > 0)
        {
            int output = details.LastLines.Count(l => l.Kind == LogLineKind.Output);
            o.WriteLine(output == 1 ? "last log line:" : $"last {output} log lines:");
            foreach (LogLine line in details.LastLines)
            {
                o.WriteLine($"  {line.Render()}");
            }

            string selector = target.IsStandardInput ? "-" : target.Job is null ? details.EventsPath! : job.Id;
            o.WriteLine($"all logs: dotnet brioche-job logs {selector}");
        }
    }

    /// <summary>As <c>list</c> shows it: unique in the whole store.</summary>
    private static string ShortId(CliContext context, string id) => ShortIds.ForJobs(context.ReadStore, [id])[id];

    private static string StateText(JobRecord job) =>
        job.Result is { } result ? $"{job.State.ToString().ToLowerInvariant()}, {result.ToString().ToLowerInvariant()}" : job.State.ToString().ToLowerInvariant();

    private static string StoreTextOf(JobKind kind) => kind.ToString().ToLowerInvariant();

    private static void Line(TextWriter o, string label, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            o.WriteLine($"{label,-9} {value}");
        }
    }
}
