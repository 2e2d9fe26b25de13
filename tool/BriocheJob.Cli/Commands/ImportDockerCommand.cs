using BriocheJob.BuildKit;
using BriocheJob.Recording;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>import docker FILE [--dockerfile F] [--name N]</c>: records a saved BuildKit stream as a build with its jobs.</summary>
internal static class ImportDockerCommand
{
    public static void Register(CommandLineApplication import, CliContext context)
    {
        import.Command("docker", command =>
        {
            command.Description = "Record a saved BuildKit progress stream (any of the three encodings) as a build, one job per step.";
            var file = command.Argument("file", "The saved stream (docker build JSON lines, --progress=rawjson, or a buildx history blob).").IsRequired();
            var dockerfile = command.Option("--dockerfile <FILE>", "The Dockerfile it was built from, so steps get their lines.", CommandOptionType.SingleValue);
            var name = command.Option("--name <NAME>", "The image name to record (default: the file's name).", CommandOptionType.SingleValue);
            var encoding = command.Option("--encoding <E>", $"The input's encoding: {TraceEncodingNames.Help} (default auto).", CommandOptionType.SingleValue);
            command.OnExecute(async () =>
            {
                var result = await DockerTraceImport.ImportAsync(new DockerTraceImportOptions(
                        file.Value!, context.Home.Root, TraceEncodingNames.Parse(encoding.Value()), name.Value(), dockerfile.Value()),
                    new ProblemPrinter(context.Error), context.CancellationToken);
                context.Out.WriteLine($"imported build {result.BuildId}: {Counted.Of(result.JobCount, "job")} ({result.FailedJobCount} failed)");
                return ExitCodes.Success;
            });
        });
    }

    private sealed class ProblemPrinter(TextWriter error) : IDockerBuildListener
    {
        public void Problem(string code, string message) => error.WriteLine($"warning {code}: {message}");
    }
}
