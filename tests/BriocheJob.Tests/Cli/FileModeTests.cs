using System.Diagnostics;
using BriocheJob.Tests.Brioche;

namespace BriocheJob.Tests.Cli;

/// <summary>Every file in the data home is 0600 and every folder 0700, whatever the umask.</summary>
public sealed class FileModeTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Every_file_in_the_data_home_is_private_even_under_umask_000()
    {
        string tool = Path.Combine(AppContext.BaseDirectory, "dotnet-brioche-job");
        string data = Path.Combine(Path.GetDirectoryName(Fixtures.FixturesDir)!, "BriocheJob.Tests", "BuildKit", "data");
        string trace = Path.Combine(data, "failure.jsonl");
        string dockerfile = Path.Combine(data, "failure.Dockerfile");
        var start = new ProcessStartInfo("bash", ["-c", "umask 000 && exec \"$0\" \"$@\"", tool, "--home", _cli.HomePath,
            "import", "docker", trace, "--dockerfile", dockerfile])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (Process process = Process.Start(start)!)
        {
            string error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            process.ExitCode.ShouldBe(0, error);
        }

        string[] files = Directory.GetFiles(_cli.HomePath, "*", SearchOption.AllDirectories);
        files.ShouldContain(f => f.EndsWith("events.bin.zst", StringComparison.Ordinal));
        foreach (string file in files)
        {
            File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, file);
        }

        foreach (string folder in Directory.GetDirectories(_cli.HomePath, "*", SearchOption.AllDirectories).Append(_cli.HomePath))
        {
            File.GetUnixFileMode(folder).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, folder);
        }
    }
}
