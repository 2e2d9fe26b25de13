using BriocheJob.Docker;
using BriocheJob.Recording;
using BriocheJob.Retention;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>prune</c>: the retention policy (old logs, old rows, orphaned files), then compaction.</summary>
internal static class PruneCommand
{
    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command("prune", command =>
        {
            command.Description = "Remove old logs and job rows by the retention policy, then compact the store.";
            var failedDays = command.Option("--keep-failed-days <N>", $"Keep the logs of jobs that did not succeed N days (default {PrunePolicy.DefaultKeepFailedDays}).", CommandOptionType.SingleValue);
            var succeeded = command.Option("--keep-succeeded <N>", $"Keep the last N succeeded logs per recipe (default {PrunePolicy.DefaultKeepSucceeded}).", CommandOptionType.SingleValue);
            var rowsDays = command.Option("--keep-rows-days <N>", $"Keep job rows N days (default {PrunePolicy.DefaultKeepRowsDays}).", CommandOptionType.SingleValue);
            var dryRun = command.Option("--dry-run", "Count and measure only; remove nothing.", CommandOptionType.NoValue);
            var json = command.Option("--json", "Print the counts as one JSON object.", CommandOptionType.NoValue);
            var temps = command.Option("--brioche-temps", "Also remove Brioche's process-temp folders of finished jobs we recorded.", CommandOptionType.NoValue);
            var dataDir = command.Option("--data-dir <DIR>", "Brioche's data dir for --brioche-temps (default: $BRIOCHE_DATA_DIR, else ~/.local/share/brioche).", CommandOptionType.SingleValue);
            var docker = command.Option("--docker", "Also remove leftover brioche-job-debug:* images of debug shells.", CommandOptionType.NoValue);
            var verbose = command.Option("-v|--verbose", "Print each file removed.", CommandOptionType.NoValue);
            command.OnExecute(() =>
            {
                var policy = new PrunePolicy
                {
                    KeepFailedDays = CommandOptions.Int(failedDays, 0) ?? PrunePolicy.DefaultKeepFailedDays,
                    KeepSucceeded = CommandOptions.Int(succeeded, 0) ?? PrunePolicy.DefaultKeepSucceeded,
                    KeepRowsDays = CommandOptions.Int(rowsDays, 0) ?? PrunePolicy.DefaultKeepRowsDays,
                    DryRun = dryRun.HasValue(),
                };
                // A dry run reads only: an absent store reads as empty and nothing is created.
                var store = policy.DryRun ? context.ReadStore : context.Store;
                var pruner = new Pruner(store, context.Home)
                {
                    FileRemoved = verbose.HasValue() ? (path, size) => { context.Out.WriteLine($"removed {path} ({size} bytes)"); context.Out.Flush(); } : null,
                };
                var report = pruner.Run(policy, context.Host.Now(), context.CancellationToken);
                if (temps.HasValue())
                {
                    var dir = dataDir.Value() ?? BriocheImport.DefaultDataDir(context.Host.GetEnvironmentVariable);
                    report = report with { BriocheTemps = BriocheTempsPruner.Run(store, dir, policy.DryRun) };
                }

                if (docker.HasValue())
                {
                    using var client = DockerEngineClient.Create();
                    report = report with
                    {
                        DockerImages = DebugImagePruner.RunAsync(client, policy.DryRun, cancellationToken: context.CancellationToken).GetAwaiter().GetResult(),
                    };
                }

                if (json.HasValue())
                {
                    context.WriteJson(report, RetentionJsonContext.Default.PruneReport);
                }
                else
                {
                    PruneReportText.Write(report, policy, context.Out);
                }

                return ExitCodes.Success;
            });
        });
    }
}
