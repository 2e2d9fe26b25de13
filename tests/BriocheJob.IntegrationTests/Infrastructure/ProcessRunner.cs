using System.Diagnostics;
using System.Text;

namespace BriocheJob.IntegrationTests.Infrastructure;

/// <summary>What a finished child process printed and returned.</summary>
public sealed record ProcessResult(string FileName, IReadOnlyList<string> Arguments, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout then stderr, for assertions that do not care which stream a line went to.</summary>
    public string Output => Stdout + Stderr;

    /// <summary>The command line and everything it printed, for assertion messages.</summary>
    public string Describe() =>
        $"$ {FileName} {string.Join(' ', Arguments)}\nexit code {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Options for <see cref="ProcessRunner.RunAsync"/>.</summary>
public sealed record ProcessRunOptions
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables to set (a null value removes the variable from the inherited environment).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Removes inherited variables whose name starts with any of these (case-insensitive).</summary>
    public IReadOnlyList<string> RemoveEnvironmentPrefixes { get; init; } = [];

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    public string? StandardInput { get; init; }
}

/// <summary>Runs a child process to completion, capturing its output; kills its whole tree on timeout.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, ProcessRunOptions? options = null)
    {
        options ??= new ProcessRunOptions();
        var args = arguments.ToList();
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory ?? System.Environment.CurrentDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.ToList())
        {
            if (options.RemoveEnvironmentPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                start.Environment.Remove(name);
            }
        }

        foreach (var (name, value) in options.Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (options.StandardInput is not null)
        {
            await process.StandardInput.WriteAsync(options.StandardInput);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(options.Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException(
                $"{fileName} {string.Join(' ', args)} did not finish within {options.Timeout}:\n{await stdout}\n{await stderr}");
        }

        return new ProcessResult(fileName, args, process.ExitCode, await stdout, await stderr);
    }
}
