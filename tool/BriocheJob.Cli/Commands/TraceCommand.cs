using BriocheJob.BuildKit;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>trace FILE|- [--json] [--encoding E]</c>: decodes a saved BuildKit progress stream; records nothing.</summary>
internal static class TraceCommand
{
    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command("trace", command =>
        {
            command.Description = "Decode a saved BuildKit progress stream (engine JSON lines, rawjson or a buildx history blob) without recording it.";
            var file = command.Argument("file", "The saved stream, or - for standard input.").IsRequired();
            var json = command.Option("--json", "Print {vertices:[…],error,imageId} with each step's full stdout and stderr.", CommandOptionType.NoValue);
            var encoding = command.Option("--encoding <E>", $"The input's encoding: {TraceEncodingNames.Help} (default auto).", CommandOptionType.SingleValue);
            command.OnExecute(async () =>
            {
                var chosen = TraceEncodingNames.Parse(encoding.Value());
                BuildTrace trace;
                if (file.Value == "-")
                {
                    await using var input = context.Host.OpenStandardInput();
                    trace = await BuildKitTrace.DecodeAsync(input, chosen, null, context.CancellationToken);
                    trace.EnsureIsTrace("standard input");
                }
                else
                {
                    trace = await BuildKitTrace.DecodeFileAsync(file.Value!, chosen, null, context.CancellationToken);
                }

                if (json.HasValue())
                {
                    context.Out.Write(BuildTraceJson.ToJson(trace));
                    context.Out.Write('\n');
                }
                else
                {
                    BuildTracePlainRenderer.Write(trace, context.Out);
                }

                if (trace.Malformed.Total > 0)
                {
                    context.Error.WriteLine($"warning: skipped {trace.Malformed}; first: {trace.Malformed.FirstProblem}");
                }
                // Like `docker build`, a failed build is a failure, so scripts can test it; the trace is still printed.
                return trace.Succeeded ? ExitCodes.Success : ExitCodes.BuildFailed;
            });
        });
    }
}
