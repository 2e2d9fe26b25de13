using BriocheJob.Diagnostics;
using BriocheJob.History;
using BriocheJob.Jobs;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>builds diff [BASE] [HEAD]</c>: two builds' jobs matched by step key.</summary>
internal static class BuildsDiffCommand
{
    public static void Register(CommandLineApplication builds, CliContext context)
    {
        builds.Command("diff", command =>
        {
            command.Description = "Compare two builds' jobs, matched by step key: added, removed, changed, same.";
            var baseArgument = command.Argument("base", "The older build (default: the most recent earlier build sharing a project with HEAD).");
            var headArgument = command.Argument("head", "The newer build (default: last).");
            var all = command.Option("--all", "List every pair, the same ones too.", CommandOptionType.NoValue);
            var json = command.Option("--json", "{base, head, jobs: [{key, change, base, head, resultChanged, cacheChanged, durationDeltaMs}]}.", CommandOptionType.NoValue);
            command.OnExecute(() =>
            {
                BuildDetails head = context.Resolver.ResolveBuild(headArgument.Value ?? "last");
                BuildDetails @base;
                if (baseArgument.Value is { } baseSelector)
                {
                    @base = context.Resolver.ResolveBuild(baseSelector);
                }
                else
                {
                    BuildRecord previous = context.ReadStore.FindPreviousBuildSharingProject(head.Build.Id)
                        ?? throw Catalog.History.NoBaseBuild.Exception(head.Build.Id);
                    @base = context.ReadStore.GetBuild(previous.Id)!;
                }

                BuildDiff diff = BuildDiff.Compare(@base, head);
                if (json.HasValue())
                {
                    IReadOnlySet<string> flaky = JobJson.FlakyRecipes(context.ReadStore, @base.Jobs.Concat(head.Jobs));
                    context.WriteJson(DiffReport.Json(diff, context.ReadStore, flaky), HistoryJsonContext.Default.BuildDiffJson);
                }
                else
                {
                    context.Out.Write(DiffReport.Text(diff, all.HasValue(), context.Host.TimeZone));
                }

                return ExitCodes.Success;
            });
        });
    }
}
