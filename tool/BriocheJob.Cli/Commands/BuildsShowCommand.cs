using BriocheJob.History;
using BriocheJob.Jobs;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>builds show [BUILD]</c>: one build's projects and jobs.</summary>
internal static class BuildsShowCommand
{
    public static void Register(CommandLineApplication builds, CliContext context)
    {
        builds.Command("show", command =>
        {
            command.Description = "Show a build's projects and jobs.";
            var build = CommandOptions.JobArgument(command, "build", "The build: last (default), -N, a build id or unique prefix, or an external build id.");
            var json = command.Option("--json", "The build, its projects and its jobs as JSON.", CommandOptionType.NoValue);
            command.OnExecute(() =>
            {
                BuildDetails details = context.Resolver.ResolveBuild(CommandOptions.Selector(build));
                BuildAnalysis analysis = BuildAnalysis.Of(details);
                if (json.HasValue())
                {
                    context.WriteJson(BuildReport.Json(analysis, context.ReadStore, JobJson.FlakyRecipes(context.ReadStore, details.Jobs)), HistoryJsonContext.Default.BuildShowJson);
                    return ExitCodes.Success;
                }

                BuildRecord b = details.Build;
                TextWriter o = context.Out;
                o.WriteLine($"build     {b.Id}  {b.Origin.ToString().ToLowerInvariant()}, {JobDisplay.Outcome(b.State, b.Result)}");
                if (ExternalIds.Shown(b) is { } externalId)
                {
                    o.WriteLine($"external  {externalId}");
                }

                o.WriteLine($"started   {JobDisplay.LocalTime(b.StartedAt, context.Host.TimeZone)}");
                if (b.StoppedAt is { } stopped)
                {
                    o.WriteLine($"stopped   {JobDisplay.LocalTime(stopped, context.Host.TimeZone)}  (took {JobDisplay.Duration(stopped - b.StartedAt)})");
                }

                if (b.WorkingDirectory is not null)
                {
                    o.WriteLine($"directory {b.WorkingDirectory}");
                }

                BuildProvenance where = b.Provenance ?? BuildProvenance.None;
                if (where.Host is not null || where.User is not null)
                {
                    o.WriteLine($"ran on    {where.Host ?? "?"}{(where.User is null ? "" : $" as {where.User}")}");
                }

                if (where.GitCommit is not null || where.GitBranch is not null)
                {
                    o.WriteLine($"git       {where.GitBranch ?? "(detached)"}{(where.GitCommit is null ? "" : $" at {where.GitCommit}")}");
                }

                if (where.CiSystem is not null)
                {
                    o.WriteLine($"ci        {where.CiSystem} run {where.CiRunId ?? "?"}{(where.CiRunUrl is null ? "" : $"  {where.CiRunUrl}")}");
                }

                o.Write(BuildReport.Summary(analysis, context.ReadStore));
                o.WriteLine();
                o.WriteLine($"projects ({details.Projects.Count}):");
                foreach (ProjectRecord project in details.Projects)
                {
                    int jobs = details.Jobs.Count(j => j.Project?.Id == project.Id);
                    int failed = details.Jobs.Count(j => j.Project?.Id == project.Id && j.Job.Result == RunResult.Failed);
                    string path = project.LocalProjectPath is null ? "" : $"  {project.LocalProjectPath}";
                    o.WriteLine($"  {JobDisplay.ProjectName(project)} ({project.Kind.ToString().ToLowerInvariant()}, {Counted.Of(jobs, "job")}, {failed} failed){path}");
                }

                o.WriteLine();
                o.WriteLine($"jobs ({details.Jobs.Count}):");
                if (details.Jobs.Count > 0)
                {
                    o.Write(BuildReport.JobRows(analysis, context.ReadStore));
                }

                return ExitCodes.Success;
            });
        });
    }
}
