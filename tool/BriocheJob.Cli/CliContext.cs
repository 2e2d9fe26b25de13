using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli;

/// <summary>What every command gets: the console, the Ctrl+C token, and the store opened on first use.</summary>
internal sealed class CliContext
{
    public CliContext(IConsole console, CancellationToken cancellationToken)
    {
        Console = console;
        CancellationToken = cancellationToken;
    }

    public IConsole Console { get; }

    public CancellationToken CancellationToken { get; }

    public TextWriter Out => Console.Out;

    public TextWriter Error => Console.Error;
}
