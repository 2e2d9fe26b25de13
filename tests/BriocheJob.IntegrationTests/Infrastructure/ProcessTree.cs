using System.Runtime.InteropServices;

namespace BriocheJob.IntegrationTests.Infrastructure;

/// <summary>Finds and signals this user's processes through /proc (Linux), for cancellation tests.</summary>
public static partial class ProcessTree
{
    private const int SigInt = 2;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public static void Interrupt(int pid) => kill(pid, SigInt);

    /// <summary>Processes whose environment contains <paramref name="marker"/>.</summary>
    public static List<int> WithEnvironment(string marker) => Find(folder => Read(folder, "environ").Contains(marker, StringComparison.Ordinal));

    /// <summary>Processes whose command line contains every one of <paramref name="parts"/>.</summary>
    public static List<int> WithCommandLine(params string[] parts) =>
        Find(folder => Read(folder, "cmdline").Replace('\0', ' ') is var line && parts.All(p => line.Contains(p, StringComparison.Ordinal)));

    private static List<int> Find(Func<string, bool> matches)
    {
        var found = new List<int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), out var pid) && pid != Environment.ProcessId && matches(folder))
            {
                found.Add(pid);
            }
        }

        return found;
    }

    private static string Read(string folder, string file)
    {
        try
        {
            return File.ReadAllText(Path.Combine(folder, file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
