using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli;

/// <summary>
/// The physical console, except that it reports stdout as redirected: CommandLineUtils 2.3 pipes help
/// text through <c>less</c> whenever stdout is a terminal, and has no switch to turn that off.
/// </summary>
internal sealed class NoPagerConsole : IConsole
{
    private readonly IConsole _inner;

    public NoPagerConsole(IConsole inner) => _inner = inner;

    /// <summary>True when this is the process's own console, so output may go straight to the stdout stream.</summary>
    public bool IsPhysical => _inner is PhysicalConsole;

    public TextWriter Out => _inner.Out;
    public TextWriter Error => _inner.Error;
    public TextReader In => _inner.In;
    public bool IsInputRedirected => _inner.IsInputRedirected;
    public bool IsOutputRedirected => true;
    public bool IsErrorRedirected => _inner.IsErrorRedirected;

    public ConsoleColor ForegroundColor
    {
        get => _inner.ForegroundColor;
        set => _inner.ForegroundColor = value;
    }

    public ConsoleColor BackgroundColor
    {
        get => _inner.BackgroundColor;
        set => _inner.BackgroundColor = value;
    }

    public event ConsoleCancelEventHandler? CancelKeyPress
    {
        add => _inner.CancelKeyPress += value;
        remove => _inner.CancelKeyPress -= value;
    }

    public void ResetColor() => _inner.ResetColor();
}
