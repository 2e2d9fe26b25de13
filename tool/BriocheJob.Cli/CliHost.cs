namespace BriocheJob.Cli;

/// <summary>
/// What the commands take from the process around them: environment variables, standard input, the clock and
/// time zone, and whether standard output is a terminal. Tests pass their own, since environment variables are process-wide and tests run in parallel.
/// </summary>
internal sealed record CliHost(
    Func<string, string?> GetEnvironmentVariable,
    Func<Stream> OpenStandardInput,
    TimeZoneInfo TimeZone,
    Func<DateTimeOffset> Now,
    bool OutputIsTerminal = false)
{
    /// <summary>The terminal's width when standard output is a terminal; null otherwise (output piped or captured).</summary>
    public Func<int?> TerminalWidth { get; init; } = () => null;

    public static CliHost System { get; } = new(
        Environment.GetEnvironmentVariable,
        Console.OpenStandardInput,
        TimeZoneInfo.Local,
        () => DateTimeOffset.Now,
        !Console.IsOutputRedirected)
    {
        TerminalWidth = () =>
        {
            if (Console.IsOutputRedirected)
            {
                return null;
            }

            try
            {
                return Console.WindowWidth > 0 ? Console.WindowWidth : null;
            }
            catch (IOException)
            {
                return null;
            }
        },
    };
}
