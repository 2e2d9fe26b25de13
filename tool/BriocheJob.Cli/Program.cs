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
            return app.Execute(SelectorArguments.Rewrite(args, app));
        }
        catch (CommandParsingException ex)
        {
            console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (BriocheJobException ex)
        {
            console.Error.WriteLine($"error {ex.Code}: {ex.Message}");
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
    }

    private static bool IsBrokenPipe(IOException ex) => ex.HResult == 32 || ex.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase);
}
