using BriocheJob.Brioche;
using BriocheJob.IntegrationTests.Infrastructure;

namespace BriocheJob.IntegrationTests.Zstd;

/// <summary>
/// The tool needs no native zstd: in a private mount namespace whose <c>libzstd.so.1</c> is hidden under
/// <c>/dev/null</c> (<c>unshare -m</c> plus a bind mount), the built CLI records a real BuildKit capture (writing
/// compressed events files) and reads its logs back, forward and from the end.
/// </summary>
public sealed class NoSystemZstdTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Runs the built CLI inside the namespace; the script first proves the library is gone.</summary>
    private async Task<ProcessResult> RunWithoutLibzstdAsync(string home, params string[] arguments)
    {
        var script = """
            set -e
            lib=$(readlink -f "$(ldconfig -p | sed -n 's/.*libzstd\.so\.1 .*=> //p' | head -1)")
            mount --bind /dev/null "$lib"
            # Every byte of the library is gone here: dlopen fails with "file too short".
            if [ -z "$lib" ] || [ "$(head -c 4 "$lib" | wc -c)" -ne 0 ]; then echo "libzstd is still readable" >&2; exit 97; fi
            exec "$@"
            """;
        return await ProcessRunner.RunAsync("unshare", ["-m", "--propagation", "private", "sh", "-c", script, "sh",
            "dotnet", RepositoryLayout.CliAssembly, .. arguments], new ProcessRunOptions
            {
                Environment = DotnetCli.IsolatedEnvironment(new Dictionary<string, string?> { ["BRIOCHE_JOB_HOME"] = home, ["NO_COLOR"] = "1" }),
                Timeout = TimeSpan.FromMinutes(2),
            });
    }

    [Fact]
    public async Task The_cli_writes_and_reads_events_files_with_libzstd_hidden()
    {
        RequiredTools.Require("unshare");
        RequiredTools.Require("zstd");
        var home = _temp.CreateDirectory("home");
        var capture = Path.Combine(RepositoryLayout.Root, "tests/BriocheJob.Tests/BuildKit/data/failure.jsonl");

        var import = await RunWithoutLibzstdAsync(home, "import", "docker", capture, "--name", "no-libzstd");
        import.ExitCode.ShouldBe(0, import.Describe());
        import.Stdout.ShouldContain("(1 failed)");

        var logs = await RunWithoutLibzstdAsync(home, "logs");
        logs.ExitCode.ShouldBe(0, logs.Describe());
        var tail = await RunWithoutLibzstdAsync(home, "logs", "--tail", "1");
        tail.ExitCode.ShouldBe(0, tail.Describe());
        var reverse = await RunWithoutLibzstdAsync(home, "logs", "--reverse");
        reverse.ExitCode.ShouldBe(0, reverse.Describe());

        // Outside the namespace the system zstd checks what was written there, and our reader agrees with it.
        var events = Directory.GetFiles(home, "events.bin.zst", SearchOption.AllDirectories);
        events.ShouldNotBeEmpty();
        foreach (var file in events)
        {
            var check = await ProcessRunner.RunAsync("zstd", ["-t", "-q", file]);
            check.ExitCode.ShouldBe(0, check.Describe());
        }
        var failedFile = events.Single(file => ProcessLog.Read(file).Exit is { Succeeded: false });
        var failedLog = ProcessLog.Read(failedFile);
        failedLog.OutputLines.ShouldNotBeEmpty();
        logs.Stdout.ShouldBe(failedLog.RenderText());
        tail.Stdout.ShouldBe(ProcessLog.Read(failedFile, new ProcessLogOptions { Tail = 1 }).RenderText());
        tail.Stdout.ShouldContain(failedLog.OutputLines[^1].Render());
        reverse.Stdout.ShouldBe(ProcessLog.Read(failedFile, new ProcessLogOptions { Reverse = true }).RenderText());
    }
}
