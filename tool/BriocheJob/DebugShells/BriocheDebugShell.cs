using System.Diagnostics;
using BriocheJob.Diagnostics;

namespace BriocheJob.DebugShells;

/// <summary>
/// Runs <c>brioche jobs debug-shell &lt;events path&gt;</c> on the user's terminal: Brioche re-creates the job's sandbox
/// from the events file and starts an interactive shell in it. We find <c>brioche</c> ourselves first, so a missing
/// one is a one-line error (BJ6012) rather than a .NET exception.
/// </summary>
public static class BriocheDebugShell
{
    /// <summary>Names an explicit brioche executable, ahead of PATH.</summary>
    public const string ExecutableVariable = "BRIOCHE_JOB_BRIOCHE";

    /// <summary>The brioche executable: <c>$BRIOCHE_JOB_BRIOCHE</c> if set, else <c>brioche</c> on PATH.</summary>
    /// <exception cref="BriocheJobException">BJ6012 when there is none.</exception>
    public static string FindBrioche(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        string? explicitPath = getVariable(ExecutableVariable);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return ExecutableSearch.IsExecutable(explicitPath)
                ? explicitPath
                : throw Catalog.Commands.BriocheNotExecutable.Exception(ExecutableVariable, explicitPath);
        }

        return ExecutableSearch.Find("brioche", getVariable("PATH"))
            ?? throw Catalog.Commands.BriocheNotFound.Exception(ExecutableVariable);
    }

    /// <summary>Starts brioche with the terminal inherited and waits for it; returns its exit code.</summary>
    /// <remarks>
    /// It does not stop on Ctrl+C: the terminal delivers SIGINT to the shell too, which handles it; we wait for
    /// the user to leave the shell.
    /// </remarks>
    public static int Run(string brioche, string eventsPath)
    {
        var start = new ProcessStartInfo(brioche)
        {
            UseShellExecute = false,
            ArgumentList = { "jobs", "debug-shell", eventsPath },
        };
        Process process;
        try
        {
            process = Process.Start(start)
                ?? throw Catalog.Commands.StartFailed.Exception(brioche, "no process was started");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw Catalog.Commands.StartFailed.ExceptionFrom(ex, brioche, ex.Message);
        }

        using (process)
        {
            process.WaitForExit();
            return process.ExitCode;
        }
    }
}

/// <summary>Finds executables on a PATH-style list, like a shell does.</summary>
public static class ExecutableSearch
{
    /// <summary>The first <paramref name="name"/> on <paramref name="pathVariable"/> that is an executable file, or null.</summary>
    public static string? Find(string name, string? pathVariable)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/'))
        {
            return IsExecutable(name) ? name : null;
        }

        foreach (string dir in (pathVariable ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>An existing file with an execute bit set (any file on Windows).</summary>
    public static bool IsExecutable(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
