using System.Buffers;
using System.Text;
using BriocheJob.Brioche;
using BriocheJob.Store;

namespace BriocheJob.Tests.Cli;

/// <summary>Control characters in recorded data never reach the terminal raw.</summary>
public sealed class ControlCharacterTests : IDisposable
{
    private const string Id = "01JD0000EEEE00000000000001";
    private readonly CliHarness _cli = new();

    public ControlCharacterTests()
    {
        string events = _cli.WriteEvents("esc", new string('e', 64), 77,
            [(OutputStream.Stdout, "\u001b]0;owned\u0007\u001b[31mred\u001b[0m\rover\n")], new ExitedEvent(40, 1));
        using SqliteJobStore store = _cli.OpenStore();
        BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.Import, null, "/src", StartedAt: CliHarness.T0));
        long project = store.AddProject(build.Id, new ProjectRequest(JobKind.Brioche, "app\u001b[2J")).Id;
        store.SaveJob(new JobRecord(Id, project, JobKind.Brioche, "/bin/sh -c \u001b[8mhidden", CliHarness.T0, CliHarness.T0.AddSeconds(1),
            RunState.Finished, RunResult.Failed, ExitCode: 1, LocalPath: events));
    }

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("list")]
    [InlineData("show")]
    [InlineData("builds show")]
    [InlineData("logs")]
    public void Control_characters_are_escaped_in_text_output(string command)
    {
        CliResult result = _cli.Run(command.Split(' '));
        result.ExitCode.ShouldBe(0, result.Error);
        result.Out.ShouldNotContain("\u001b");
        result.Out.ShouldNotContain("\r");
        result.Out.ShouldContain(command == "logs" ? "\\x1b]0;owned\\x07\\x1b[31mred\\x1b[0m\\x0dover" : "\\x1b[");
    }

    [Fact]
    public void Raw_prints_them_as_they_are_only_into_a_pipe()
    {
        CliResult piped = _cli.Run("logs", "--raw");
        piped.Out.ShouldContain("\u001b[31mred\u001b[0m\rover");

        _cli.OutputIsTerminal = true;
        CliResult terminal = _cli.Run("logs", "--raw");
        terminal.Out.ShouldNotContain("\u001b");
        terminal.Out.ShouldContain("\\x1b[31mred");
    }

    [Fact]
    public void Json_output_escapes_control_characters_itself()
    {
        CliResult result = _cli.Run("list", "--json");
        result.Out.ShouldNotContain("\u001b");
        result.Out.ShouldContain("\\u001B[8mhidden");
    }

    [Theory]
    [InlineData("plain text é\t\n", "plain text é\t\n")]
    [InlineData("\u001b[1m\u0000\u007f\u0085", "\\x1b[1m\\x00\\x7f\\u0085")]
    public void One_rule_for_strings_and_utf8_bytes(string text, string expected)
    {
        TerminalText.Escape(text).ShouldBe(expected);
        var bytes = new ArrayBufferWriter<byte>();
        TerminalText.EscapeUtf8(Encoding.UTF8.GetBytes(text), bytes);
        Encoding.UTF8.GetString(bytes.WrittenSpan).ShouldBe(expected);
    }
}
