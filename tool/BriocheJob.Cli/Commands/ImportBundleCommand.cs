using BriocheJob.Bundles;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>import bundle FILE</c>: records a bundle made by <c>export</c> as a build of origin import.</summary>
internal static class ImportBundleCommand
{
    public static void Register(CommandLineApplication import, CliContext context)
    {
        import.Command("bundle", command =>
        {
            command.Description = "Record a bundle written by 'export' (on this or another machine) as one import build.";
            var file = command.Argument("file", "The bundle file.").IsRequired();
            command.OnExecute(() =>
            {
                var result = BundleImporter.Import(file.Value!, context.Home, context.Store, DateTimeOffset.UtcNow);
                var source = result.Manifest.Build;
                context.Out.WriteLine($"imported build {result.Build.Id}: {Counted.Of(result.Jobs, "job")} ({result.Failed} failed) from build {source.Id} " +
                    $"exported {result.Manifest.ExportedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
                foreach (var redaction in result.Manifest.Redacted)
                {
                    context.Out.WriteLine($"  redacted before export: {redaction.Name}");
                }

                return ExitCodes.Success;
            });
        });
    }
}
