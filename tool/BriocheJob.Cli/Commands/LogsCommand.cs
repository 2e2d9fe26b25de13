using BriocheJob.Brioche;
using BriocheJob.Diagnostics;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary>
/// <c>logs [JOB]</c>: a job's log as <c>brioche jobs logs</c> prints it: stack trace, <c>[elapsed] line</c>, exit.
/// Every path streams through one buffered byte writer in bounded memory (see <see cref="ProcessLogStreamer"/>).
/// </summary>
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
            var (diff, against) = LogsDiff.AddOptions(command);
            command.OnExecute(async () =>
            {
                if (diff.HasValue() || against.HasValue())
                {
                    return LogsDiff.Run(context, JobTarget.Resolve(context, CommandOptions.Selector(job), allowStandardInput: false), against.Value());
                }

                var options = new ProcessLogOptions
                {
                    Tail = CommandOptions.Int(tail, 0),
                    Reverse = reverse.HasValue(),
                    Stream = CommandOptions.Stream(stream),
                };
                if (options.Reverse && follow.HasValue())
                {
                    throw Catalog.Commands.OptionsConflict.Exception("--follow", "--reverse");
                }

                JobTarget target = JobTarget.Resolve(context, CommandOptions.Selector(job), allowStandardInput: true);
                using var output = new LogOutput(context.OpenOutputBytes());
                LogFormatter formatter = json.HasValue() ? LogFormatter.Json(output) : LogFormatter.Text(output, escapeControls: !context.Raw);

                if (target.IsStandardInput)
                {
                    using Stream input = context.Host.OpenStandardInput();
                    if (options.Tail is null && !options.Reverse)
                    {
                        ProcessLogStreamer.WriteForward(input, options, formatter);
                    }
                    else
                    {
                        // Reading from the end needs a seekable file: spool stdin to one.
                        string spool = Path.Combine(Path.GetTempPath(), $"brioche-job-stdin-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
                        try
                        {
                            await using (FileStream file = File.Create(spool))
                            {
                                await input.CopyToAsync(file, context.CancellationToken).ConfigureAwait(false);
                            }
                            PrintFile(spool, options, formatter);
                        }
                        finally
                        {
                            File.Delete(spool);
                        }
                    }
                    return ExitCodes.Success;
                }

                if (options.Tail is not null && !follow.HasValue() && target is { ServerLogs: { } server, Job: { } recorded })
                {
                    foreach (LogLine line in ReadServerTail(server, recorded.Job.Id, target.EventsPath!, options).Lines)
                    {
                        formatter.Write(line);
                    }

                    formatter.Flush();
                    return ExitCodes.Success;
                }

                // A recorded job that is no longer running has nothing more to follow; a bare file may still grow.
                bool mayGrow = target.Job is null || target.Job.Job.State == RunState.Running;
                if (follow.HasValue() && mayGrow && target is { ServerLogs: { } logs, Job: { } running })
                {
                    await FollowServerLog(context, logs, running.Job.Id, target.EventsPath!, options, formatter).ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                string path = target.RequireEventsPath();
                if (follow.HasValue() && mayGrow)
                {
                    await Follow(path, options, formatter, context.CancellationToken).ConfigureAwait(false);
                }
                else
                {
                    PrintFile(path, options, formatter);
                }

                return ExitCodes.Success;
            });
        });
    }

    /// <summary><c>--follow</c> of a file that may grow; with <c>--tail N</c> it starts from the last N lines.</summary>
    private static Task Follow(string path, ProcessLogOptions options, LogFormatter formatter, CancellationToken cancellationToken)
        => options.Tail is { } lines
            ? ProcessLogStreamer.FollowTailAsync(path, options with { Tail = null }, lines, formatter, cancellationToken: cancellationToken)
            : ProcessLogStreamer.FollowAsync(path, options, formatter, cancellationToken: cancellationToken);

    /// <summary>
    /// <c>--follow</c> of a job running on another machine: a mirror copies the server's frames (and the open frame) into
    /// a growing copy every quarter second, which is followed as a local file would be. Once the log is complete the
    /// copy is the events file byte for byte and becomes the cache file, which also ends a follow that saw no exit event.
    /// </summary>
    private static async Task FollowServerLog(CliContext context, IJobLogStore logs, string jobId, string cachePath,
        ProcessLogOptions options, LogFormatter formatter)
    {
        string growing = cachePath + ".follow";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        Task mirroring;
        using (var mirror = new LogMirror(logs, jobId, growing))
        {
            mirror.Poll();
            mirroring = Task.Run(async () =>
            {
                try
                {
                    await mirror.RunAsync(() => context.Store.GetJob(jobId)?.Job.State == RunState.Running,
                        TimeSpan.FromMilliseconds(250), stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    mirror.Dispose();
                    if (!stop.IsCancellationRequested)
                    {
                        // Moving the copy away ends the follower once it has read every byte (a log without an exit
                        // event then ends "abruptly", as a local one whose file is removed).
                        File.Move(growing, mirror.Complete ? cachePath : growing + ".part", overwrite: true);
                    }
                }
            }, CancellationToken.None);
            try
            {
                await Follow(growing, options, formatter, context.CancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // The exit event was read: the mirror may stop (the cache file is written whole when next needed).
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await mirroring.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }

                File.Delete(growing);
                File.Delete(growing + ".part");
            }
        }
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

    private static void PrintFile(string path, ProcessLogOptions options, LogFormatter formatter)
    {
        if (options.Tail is not null)
        {
            foreach (LogLine line in ProcessLog.Read(path, options).Lines)
            {
                formatter.Write(line);
            }
            formatter.Flush();
        }
        else if (options.Reverse)
        {
            ProcessLogStreamer.WriteReverse(path, options, formatter);
        }
        else
        {
            ProcessLogStreamer.WriteForward(path, options, formatter);
        }
    }
}
