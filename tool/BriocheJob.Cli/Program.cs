using BriocheJob.Diagnostics;
using BriocheJob.Jobs;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        using var cancellation = new CtrlCCancellation();
        var console = new NoPagerConsole(PhysicalConsole.Singleton);
        return Run(args, console, cancellation.Token);
    }

    /// <summary>Runs one command line; maps every expected failure to a one-line error and an exit code.</summary>
    /// <param name="host">The environment, stdin and clock to use; null for this process's.</param>
    public static int Run(string[] args, IConsole console, CancellationToken cancellationToken, CliHost? host = null)
    {
        using var context = new CliContext(console, cancellationToken, host ?? CliHost.System);
        var app = BriocheJobApp.Create(context);
        try
        {
            string[] rewritten = SelectorArguments.Rewrite(args, app);
            CommandLineChecks.Install(app, rewritten);
            return app.Execute(rewritten);
        }
        catch (CommandParsingException ex)
        {
            // What CommandLineChecks does not catch first (a missing option value, say).
            console.Error.WriteLine($"error {Catalog.Commands.InvalidOption}: {Catalog.Commands.ParserRejected.Message(LowerFirst(ex.Message.TrimEnd('.')))}");
            return ExitCodes.Usage;
        }
        catch (BriocheJobException ex)
        {
            console.Error.WriteLine($"error {ex.Code}: {ex.Message}");
            if (ex is UsageException usage)
            {
                console.Error.WriteLine($"hint: {usage.Hint}");
            }

            if (ex is IHasCandidates { Candidates.Count: > 0 } withCandidates)
            {
                foreach (var candidate in withCandidates.Candidates)
                {
                    console.Error.WriteLine($"  {candidate}");
                }
            }

            return ExitCodes.For(ex);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            console.Error.WriteLine("cancelled");
            return ExitCodes.Cancelled;
        }
        catch (IOException ex) when (IsBrokenPipe(ex))
        {
            // `dotnet brioche-job logs | head` closes stdout early; that is not an error.
            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A defect: still one line and a documented exit code, not a runtime crash (exit 134).
            console.Error.WriteLine($"error {Catalog.Commands.Unexpected}: {Catalog.Commands.Unexpected.Message(ex.GetType().Name, FirstLine(ex.Message))}");
            if (context.Host.GetEnvironmentVariable("BRIOCHE_JOB_DEBUG") is { Length: > 0 })
            {
                console.Error.WriteLine(ex.ToString());
            }

            return ExitCodes.Failed;
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd('\r');

    /// <summary>The parser's sentence as a clause of our message: <c>Unexpected value…</c> → <c>unexpected value…</c>.</summary>
    private static string LowerFirst(string text) => text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : text;

    private static bool IsBrokenPipe(IOException ex) => ex.HResult == 32 || ex.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase);
}
