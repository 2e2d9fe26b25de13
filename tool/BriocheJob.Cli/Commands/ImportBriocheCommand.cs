using BriocheJob.Recording;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>import brioche [--data-dir DIR]</c>: records the jobs under Brioche's process-temp folder.</summary>
internal static class ImportBriocheCommand
{
    public static void Register(CommandLineApplication import, CliContext context)
    {
        import.Command("brioche", command =>
        {
            command.Description = "Record the jobs Brioche kept in <data>/process-temp (its failed jobs) as one import build.";
            var dataDir = command.Option("--data-dir <DIR>", "Brioche's data dir (default: $BRIOCHE_DATA_DIR, else ~/.local/share/brioche).", CommandOptionType.SingleValue);
            command.OnExecute(() =>
            {
                string dir = dataDir.Value() ?? BriocheImport.DefaultDataDir(context.Host.GetEnvironmentVariable);
                BriocheImportResult result = BriocheImport.Import(dir, context.Home, context.Store, context.CancellationToken);
                foreach (string warning in result.Warnings)
                {
                    context.Error.WriteLine($"warning: {warning}");
                }

                string into = result.BuildId is null ? "" : $" into build {result.BuildId}";
                context.Out.WriteLine(
                    $"imported {Counted.Of(result.Imported, "new job")} ({result.Failed} failed){into}, {result.AlreadyRecorded} already recorded, from {result.ProcessTempDir}");
                return ExitCodes.Success;
            });
        });
    }
}
