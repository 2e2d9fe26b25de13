using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.TestSupport;

/// <summary>A console whose output the test reads.</summary>
internal sealed class TestConsole : IConsole
{
    public StringWriter OutWriter { get; } = new();
    public StringWriter ErrorWriter { get; } = new();
    public TextWriter Out => OutWriter;
    public TextWriter Error => ErrorWriter;
    public TextReader In => TextReader.Null;
    public bool IsInputRedirected => true;
    public bool IsOutputRedirected => true;
    public bool IsErrorRedirected => true;
    public ConsoleColor ForegroundColor { get; set; }
    public ConsoleColor BackgroundColor { get; set; }
#pragma warning disable CS0067 // never raised: tests do not press Ctrl+C
    public event ConsoleCancelEventHandler? CancelKeyPress;
#pragma warning restore CS0067
    public void ResetColor()
    {
    }
}
