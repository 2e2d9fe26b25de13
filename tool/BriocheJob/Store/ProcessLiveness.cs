using System.Diagnostics;
using System.Runtime.InteropServices;

namespace BriocheJob.Store;

/// <summary>Whether a process id names a live process on this machine.</summary>
public static partial class ProcessLiveness
{
    private const int NoSuchProcess = 3; // ESRCH

    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        if (pid == Environment.ProcessId)
        {
            return true;
        }

        if (OperatingSystem.IsWindows())
        {
            try
            {
                using Process process = Process.GetProcessById(pid);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        // Signal 0 checks existence only. EPERM means it exists but belongs to another user.
        if (Kill(pid, 0) == 0)
        {
            return true;
        }

        return Marshal.GetLastPInvokeError() != NoSuchProcess;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
