using BriocheJob.IntegrationTests.Infrastructure;

namespace BriocheJob.IntegrationTests.Completion;

/// <summary>
/// A real interactive shell in a pty: a tmux server of its own (its own socket, no config) running one session.
/// Keys are typed with <c>send-keys</c> and the screen is read with <c>capture-pane</c>.
/// </summary>
public sealed class TmuxShell : IAsyncDisposable
{
    private readonly string _socket = "bj-complete-" + Guid.NewGuid().ToString("N")[..12];

    private TmuxShell()
    {
    }

    public static async Task<TmuxShell> StartAsync(string shellCommand)
    {
        RequiredTools.Require("tmux");
        var shell = new TmuxShell();
        var started = await shell.TmuxAsync("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "250", "-y", "50", shellCommand);
        started.ExitCode.ShouldBe(0, started.Describe());
        return shell;
    }

    /// <summary>Types text literally (no key names).</summary>
    public async Task TypeAsync(string text) => (await TmuxAsync("send-keys", "-t", "t", "-l", "--", text)).ExitCode.ShouldBe(0);

    /// <summary>Presses keys by tmux name: <c>Tab</c>, <c>Enter</c>, <c>C-c</c>, <c>C-u</c>.</summary>
    public async Task PressAsync(params string[] keys) => (await TmuxAsync(["send-keys", "-t", "t", .. keys])).ExitCode.ShouldBe(0);

    /// <summary>Runs a command line and waits until <paramref name="doneMarker"/> shows on screen.</summary>
    public async Task RunAsync(string commandLine, string doneMarker)
    {
        await TypeAsync(commandLine + "; echo " + doneMarker);
        await PressAsync("Enter");
        await WaitForAsync(screen => screen.Split('\n').Any(l => l.Trim() == doneMarker), $"'{doneMarker}' after {commandLine}");
    }

    public async Task<string> ScreenAsync()
    {
        var result = await TmuxAsync("capture-pane", "-p", "-J", "-t", "t");
        result.ExitCode.ShouldBe(0, result.Describe());
        return result.Stdout;
    }

    /// <summary>Polls the screen until <paramref name="condition"/> holds (the machine may be slow), else fails with the screen.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        string screen;
        do
        {
            screen = await ScreenAsync();
            if (condition(screen))
            {
                return screen;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; the screen:\n{screen}");
    }

    /// <summary>Clears the line and the screen so the next assertion sees only what follows.</summary>
    public async Task ClearAsync(string marker)
    {
        await PressAsync("C-c");
        await RunAsync("clear", marker);
        await RunAsync("clear", marker + "-2");
    }

    private Task<ProcessResult> TmuxAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("tmux", ["-L", _socket, .. arguments], new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(30) });

    public async ValueTask DisposeAsync()
    {
        // Only this test's own tmux server (its own socket).
        await TmuxAsync("kill-server");
    }
}
