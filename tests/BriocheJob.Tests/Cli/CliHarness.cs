using System.Text;
using BriocheJob.Brioche;
using BriocheJob.Cli;
using BriocheJob.Store;
using BriocheJob.Tests.Brioche;
using BriocheJob.TestSupport;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Tests.Cli;

internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// A private data home and environment per test: the CLI runs in-process with a <see cref="CliHost"/> whose
/// environment is this dictionary, so tests never touch process-wide variables.
/// </summary>
internal sealed class CliHarness : IDisposable
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public CliHarness()
    {
        Temp = new TempDir();
        HomePath = Temp.File("home");
        Environment["BRIOCHE_JOB_HOME"] = HomePath;
        Environment["HOME"] = Temp.File("user");
        Environment["PATH"] = Temp.File("empty-bin");
        Directory.CreateDirectory(Environment["PATH"]!);
    }

    public TempDir Temp { get; }

    public string HomePath { get; }

    public Dictionary<string, string?> Environment { get; } = new();

    public byte[] StandardInput { get; set; } = [];

    /// <summary>Whether the CLI believes its standard output is a terminal (false: a pipe, as captured here).</summary>
    public bool OutputIsTerminal { get; set; }

    public CliResult Run(params string[] args)
    {
        var console = new TestConsole();
        var host = new CliHost(
            name => Environment.GetValueOrDefault(name),
            () => new MemoryStream(StandardInput),
            TimeZoneInfo.Utc,
            () => T0.AddDays(1),
            OutputIsTerminal);
        int exit = Program.Run(args, console, CancellationToken.None, host);
        return new CliResult(exit, console.OutWriter.ToString(), console.ErrorWriter.ToString());
    }

    public SqliteJobStore OpenStore() => SqliteJobStore.Open(new DataHome(HomePath));

    /// <summary>Writes an events file: description, spawn at 10 ms, the given output chunks 10 ms apart, and an exit event.</summary>
    public string WriteEvents(string name, string recipeHash, uint pid, IEnumerable<(OutputStream Stream, string Text)> output, ExitEvent? exit)
    {
        string dir = Temp.File(name);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "events.bin.zst");
        using (var writer = ProcessEventsWriter.Create(path, Descriptions.Sample(recipeHash)))
        {
            writer.Write(new SpawnedEvent(10, pid));
            uint elapsed = 10;
            foreach ((OutputStream stream, string text) in output)
            {
                elapsed += 10;
                byte[] bytes = Encoding.UTF8.GetBytes(text);
                writer.Write(stream == OutputStream.Stdout ? new StdoutEvent(elapsed, bytes) : new StderrEvent(elapsed, bytes));
            }

            if (exit is not null)
            {
                writer.Write(exit);
            }

            writer.Complete();
        }

        return path;
    }

    public void Dispose() => Temp.Dispose();
}
