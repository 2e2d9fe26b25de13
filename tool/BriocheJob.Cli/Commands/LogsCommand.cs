using BriocheJob.Brioche;
using BriocheJob.Jobs;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>logs [JOB]</c>: a job's log as <c>brioche jobs logs</c> prints it: stack trace, <c>[elapsed] line</c>, exit.</summary>
internal static class LogsCommand
{
    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command("logs", command =>
        {
            command.Description = "Print a job's log: stack trace, [elapsed] lines, exit line. JOB may also be an events file path or - (stdin).";
            var job = CommandOptions.JobArgument(command);
            var tail = command.Option("--tail <N>", "Only the last N output lines (read from the end of the file).", CommandOptionType.SingleValue);
            var reverse = command.Option("--reverse", "Newest lines first.", CommandOptionType.NoValue);
            var follow = command.Option("-f|--follow", "For a running job: keep printing lines as they come, until it exits or Ctrl+C.", CommandOptionType.NoValue);
            var stream = command.Option("--stream <STREAM>", "Only stdout or stderr lines.", CommandOptionType.SingleValue);
            var json = command.Option("--json", "JSON Lines: one {kind, stream, elapsedMs, text} object per line.", CommandOptionType.NoValue);
            command.OnExecute(async () =>
            {
                var options = new ProcessLogOptions
                {
                    Tail = CommandOptions.Int(tail, 0),
                    Reverse = reverse.HasValue(),
                    Stream = CommandOptions.Stream(stream),
                };
                if (options.Reverse && follow.HasValue())
                {
                    throw CommandOptions.Invalid("--follow and --reverse cannot be combined");
                }

                JobTarget target = JobTarget.Resolve(context, CommandOptions.Selector(job), allowStandardInput: true);
                Action<LogLine> print = json.HasValue()
                    ? line => context.WriteJson(LogLineJson.From(line), DisplayJsonContext.Default.LogLineJson)
                    : line => context.Out.WriteLine(line.Render());

                if (target.IsStandardInput)
                {
                    using Stream input = context.Host.OpenStandardInput();
                    PrintAll(ProcessLog.Read(input, options), print);
                    return ExitCodes.Success;
                }

                if (options.Tail is not null && !follow.HasValue() && target is { ServerLogs: { } server, Job: { } recorded })
                {
                    PrintAll(ReadServerTail(server, recorded.Job.Id, target.EventsPath!, options), print);
                    return ExitCodes.Success;
                }

                string path = target.RequireEventsPath();
                // A recorded job that is no longer running has nothing more to follow; a bare file may still grow.
                bool mayGrow = target.Job is null || target.Job.Job.State == RunState.Running;
                if (follow.HasValue() && mayGrow)
                {
                    await Follow(path, options, print, context.CancellationToken).ConfigureAwait(false);
                }
                else
                {
                    PrintAll(ProcessLog.Read(path, options), print);
                }

                return ExitCodes.Success;
            });
        });
    }

    /// <summary>
    /// A tail of a log held by the server: fetches only its first two and last frames into a sparse cache file and
    /// reads backwards; when the lines reach further back, twice as many last frames, up to the whole file.
    /// </summary>
    private static ProcessLog ReadServerTail(IJobLogStore server, string jobId, string cachePath, ProcessLogOptions options)
    {
        string sparse = cachePath + ".tail";
        try
        {
            for (int last = 4; ; last *= 2)
            {
                bool whole = LogFrames.DownloadTail(server, jobId, sparse, last);
                try
                {
                    return ProcessLog.Read(sparse, options);
                }
                catch (BriocheJobException) when (!whole)
                {
                    // The lines reach into frames not fetched yet.
                }
            }
        }
        finally
        {
            File.Delete(sparse);
        }
    }

    private static void PrintAll(ProcessLog log, Action<LogLine> print)
    {
        foreach (LogLine line in log.Lines)
        {
            print(line);
        }
    }

    /// <summary>
    /// Prints what the file holds and then each new line. With a tail, the output lines already written are counted
    /// first so only the last N of them print before following.
    /// </summary>
    private static async Task Follow(string path, ProcessLogOptions options, Action<LogLine> print, CancellationToken cancellationToken)
    {
        int skip = 0;
        if (options.Tail is { } tail)
        {
            int existing = ProcessLog.Read(path, options with { Tail = null }).OutputLines.Count;
            skip = Math.Max(0, existing - tail);
        }

        int outputIndex = 0;
        await foreach (LogLine line in ProcessLog.FollowAsync(path, options with { Tail = null }, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (line.Kind == LogLineKind.Output && outputIndex++ < skip)
            {
                continue;
            }

            print(line);
        }
    }
}
