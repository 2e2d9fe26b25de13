using BriocheJob.Jobs;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>list</c>: recorded jobs, most recent first.</summary>
internal static class ListCommand
{
    public const int DefaultLimit = 20;

    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command("list", command =>
        {
            command.Description = "List recorded jobs, most recent first.";
            var failed = command.Option("--failed", "Only failed jobs.", CommandOptionType.NoValue);
            var project = command.Option("--project <TEXT>", "Only jobs of projects whose name, path or registry name contains TEXT (any case).", CommandOptionType.SingleValue);
            var build = command.Option("--build <BUILD>", "Only jobs of this build (id, external id, unique prefix, last or -N).", CommandOptionType.SingleValue);
            var kind = command.Option("--kind <KIND>", "Only brioche or docker jobs.", CommandOptionType.SingleValue);
            var host = command.Option("--host <HOST>", "Only jobs of builds that ran on HOST (any case).", CommandOptionType.SingleValue);
            var branch = command.Option("--branch <BRANCH>", "Only jobs of builds of git branch BRANCH.", CommandOptionType.SingleValue);
            var flaky = command.Option("--flaky", "Only flaky jobs: the same recipe hash or vertex digest both succeeded and failed.", CommandOptionType.NoValue);
            var limit = command.Option("--limit <N>", $"At most N jobs (default {DefaultLimit}).", CommandOptionType.SingleValue);
            var json = command.Option("--json", "A JSON array of jobs.", CommandOptionType.NoValue);
            command.OnExecute(() =>
            {
                var query = new JobQuery(
                    FailedOnly: failed.HasValue(),
                    Project: project.Value(),
                    BuildId: build.Value() is { } selector ? context.Resolver.ResolveBuild(selector).Build.Id : null,
                    Kind: CommandOptions.Kind(kind),
                    Limit: CommandOptions.Int(limit, 1) ?? DefaultLimit,
                    Where: CommandOptions.BuildFilter(host, branch),
                    FlakyOnly: flaky.HasValue());
                IReadOnlyList<JobView> jobs = context.ReadStore.QueryJobs(query);
                if (json.HasValue())
                {
                    context.WriteJson(JobJson.FromList(context.ReadStore, jobs, JobJson.FlakyRecipes(context.ReadStore, jobs)), JobJsonContext.Default.IReadOnlyListJobJson);
                }
                else if (jobs.Count == 0)
                {
                    bool filtered = query.FailedOnly || query.FlakyOnly || query.Project is not null || query.BuildId is not null || query.Kind is not null
                                    || query.Where is not null;
                    context.Out.WriteLine(filtered
                        ? "No jobs match these filters."
                        : "No jobs recorded yet. Build a project that uses BriocheJob.Tasks, or run 'dotnet brioche-job import brioche'.");
                }
                else
                {
                    context.Out.Write(JobTable.Render(context.ReadStore, jobs, context.Host.TimeZone, context.Host.Now()));
                }

                return ExitCodes.Success;
            });
        });
    }
}
