using BriocheJob.Diagnostics;
using BriocheJob.History;
using BriocheJob.Jobs;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>builds timeline [BUILD] [--html FILE]</c>: a Gantt chart of a build's jobs.</summary>
internal static class BuildsTimelineCommand
{
    public static void Register(CommandLineApplication builds, CliContext context)
    {
        builds.Command("timeline", command =>
        {
            command.Description = "Draw a build's jobs as a Gantt chart: in the terminal, or as one self-contained HTML page.";
            var build = CommandOptions.JobArgument(command, "build", "The build: last (default), -N, a build id or unique prefix, or an external build id.");
            var html = command.Option("--html <FILE>", "Write a self-contained HTML page (no network) to FILE instead.", CommandOptionType.SingleValue);
            var width = command.Option("--width <N>", "Columns to fill (default: the terminal's width, 80 when not a terminal).", CommandOptionType.SingleValue);
            var color = command.Option("--color <WHEN>", "auto (default: on a terminal, unless NO_COLOR is set), always or never.", CommandOptionType.SingleValue);
            command.OnExecute(() =>
            {
                BuildDetails details = context.Resolver.ResolveBuild(CommandOptions.Selector(build));
                BuildAnalysis analysis = BuildAnalysis.Of(details);
                if (html.Value() is { } file)
                {
                    string path = Path.GetFullPath(file);
                    try
                    {
                        File.WriteAllText(path, TimelineHtml.Render(analysis));
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw Catalog.History.WriteFailed.ExceptionFrom(e, path, e.Message);
                    }

                    context.Out.WriteLine($"wrote {path} ({Counted.Of(analysis.Jobs.Count, "job")})");
                    return ExitCodes.Success;
                }

                int? terminal = context.Host.TerminalWidth();
                int columns = CommandOptions.Int(width, 40) ?? terminal ?? TimelineText.DefaultWidth;
                bool noColor = !string.IsNullOrEmpty(context.Host.GetEnvironmentVariable("NO_COLOR"));
                bool paint = color.Value()?.ToLowerInvariant() switch
                {
                    null or "auto" => terminal is not null && !noColor,
                    "always" => true,
                    "never" => false,
                    var other => throw Catalog.Commands.InvalidOption.Exception("--color", "auto, always or never", other),
                };
                // Our own colour codes go out as they are; TimelineText escapes the names it prints.
                (paint ? context.Console.Out : context.Out).Write(TimelineText.Render(analysis, context.ReadStore, columns, paint));
                return ExitCodes.Success;
            });
        });
    }
}
