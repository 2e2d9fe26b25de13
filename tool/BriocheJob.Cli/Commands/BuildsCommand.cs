using BriocheJob.Jobs;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>builds</c>: recorded builds, most recent first; <c>builds show</c> is one build.</summary>
internal static class BuildsCommand
{
    public const int DefaultLimit = 20;

    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command("builds", command =>
        {
            command.Description = "List recorded builds, most recent first.";
            var limit = command.Option("--limit <N>", $"At most N builds (default {DefaultLimit}).", CommandOptionType.SingleValue);
            var host = command.Option("--host <HOST>", "Only builds that ran on HOST (any case).", CommandOptionType.SingleValue);
            var branch = command.Option("--branch <BRANCH>", "Only builds of git branch BRANCH.", CommandOptionType.SingleValue);
            var json = command.Option("--json", "A JSON array of builds.", CommandOptionType.NoValue);
            BuildsShowCommand.Register(command, context);
            BuildsDiffCommand.Register(command, context);
            BuildsTimelineCommand.Register(command, context);
            command.OnExecute(() =>
            {
                BuildFilter? where = CommandOptions.BuildFilter(host, branch);
                IReadOnlyList<BuildSummary> builds = context.ReadStore.QueryBuilds(CommandOptions.Int(limit, 1) ?? DefaultLimit, 0, where);
                if (json.HasValue())
                {
                    context.WriteJson(builds.Select(BuildJson.From).ToList(), DisplayJsonContext.Default.IReadOnlyListBuildJson);
                    return ExitCodes.Success;
                }

                if (builds.Count == 0)
                {
                    context.Out.WriteLine(where is null ? "No builds recorded yet." : "No builds match these filters.");
                    return ExitCodes.Success;
                }

                IReadOnlyDictionary<string, string> shortIds = ShortIds.ForBuilds(context.ReadStore, builds.Select(b => b.Build.Id));
                var table = new TextTable("BUILD", "EXTERNAL ID", "ORIGIN", "HOST", "BRANCH", "COMMIT", "RESULT", "STARTED", "DURATION",
                    "PROJECTS", "JOBS", "FAILED");
                foreach (BuildSummary summary in builds)
                {
                    BuildRecord build = summary.Build;
                    table.AddRow(
                        shortIds[build.Id],
                        JobDisplay.Truncate(ExternalIds.Shown(build), 24),
                        build.Origin.ToString().ToLowerInvariant(),
                        JobDisplay.Truncate(build.Provenance?.Host, 20),
                        JobDisplay.Truncate(build.Provenance?.GitBranch, 24),
                        build.Provenance?.GitCommit is { } commit ? commit[..Math.Min(8, commit.Length)] : "",
                        JobDisplay.Outcome(build.State, build.Result),
                        JobDisplay.Started(build.StartedAt, context.Host.TimeZone, context.Host.Now()),
                        JobDisplay.Duration(build.StoppedAt - build.StartedAt),
                        Count(summary.ProjectCount),
                        Count(summary.JobCount),
                        Count(summary.FailedJobCount));
                }

                context.Out.Write(table.Render());
                return ExitCodes.Success;
            });
        });
    }

    private static string Count(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
