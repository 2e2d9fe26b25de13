using System.Text;
using BriocheJob.Brioche;
using BriocheJob.IntegrationTests.Infrastructure;

namespace BriocheJob.IntegrationTests.Brioche;

/// <summary>
/// <c>logs</c> writes its bytes straight to fd 1. When that is a regular file the shell opened (<c>&gt; out</c>),
/// the writes must move the shell's file offset, so what a script prints after the tool lands after the log.
/// </summary>
public sealed class LogsIntoFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Output_redirected_into_a_file_is_followed_by_what_the_script_prints_next()
    {
        var events = Path.Combine(_temp.CreateDirectory("events"), "events.bin.zst");
        using (var writer = ProcessEventsWriter.Create(events, new ProcessDescription { Recipe = System.Text.Json.JsonDocument.Parse("{}").RootElement.Clone() }))
        {
            writer.Write(new SpawnedEvent(1, 42));
            for (var i = 0; i < 2000; i++)
            {
                writer.Write(new StdoutEvent((uint)i, Encoding.ASCII.GetBytes($"line {i} of the log\n")));
            }
            writer.WriteExited(0);
        }
        var output = Path.Combine(_temp.Path, "out.txt");
        var cli = $"dotnet '{RepositoryLayout.CliAssembly}'";
        var script = $"( {cli} logs '{events}' --tail 2; {cli} logs '{events}'; echo END ) > '{output}'";

        var run = await ProcessRunner.RunAsync("sh", ["-c", script], new ProcessRunOptions
        {
            Environment = DotnetCli.IsolatedEnvironment(new Dictionary<string, string?> { ["BRIOCHE_JOB_HOME"] = _temp.CreateDirectory("home") }),
            Timeout = TimeSpan.FromMinutes(2),
        });

        run.ExitCode.ShouldBe(0, run.Describe());
        var expected = ProcessLog.Read(events, new ProcessLogOptions { Tail = 2 }).RenderText() + ProcessLog.Read(events).RenderText() + "END\n";
        File.ReadAllText(output).ShouldBe(expected);
    }
}
