using System.Text.Json;

namespace BriocheJob.Tests.Cli;

public sealed class LogsTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public LogsTests() => _ = new SeededStore(_cli);

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Logs_print_in_brioches_style()
    {
        CliResult result = _cli.Run("logs");
        result.ExitCode.ShouldBe(0, result.Error);
        result.OutLines.ShouldBe(
        [
            "- demo/project.bri:7:3",
            "[0.00s] [spawned process with pid 6000, preparation took 0.01s]",
            "[0.01s] one",
            "[0.01s] two",
            "[0.02s] three",
            "[0.03s] four",
            "[0.06s] [process exited with signal 9]",
        ]);
    }

    [Fact]
    public void Tail_reverse_and_stream_select_lines()
    {
        _cli.Run("logs", "--tail", "2").OutLines.ShouldBe(
        [
            "- demo/project.bri:7:3",
            "[0.00s] [spawned process with pid 6000, preparation took 0.01s]",
            "[0.02s] three",
            "[0.03s] four",
            "[0.06s] [process exited with signal 9]",
        ]);
        _cli.Run("logs", "--reverse", "--tail", "2").OutLines.ShouldBe(
        [
            "- demo/project.bri:7:3",
            "[0.06s] [process exited with signal 9]",
            "[0.03s] four",
            "[0.02s] three",
            "[0.00s] [spawned process with pid 6000, preparation took 0.01s]",
        ]);
        _cli.Run("logs", "--stream", "stderr").OutLines.Where(l => !l.StartsWith("- ", StringComparison.Ordinal) && !l.Contains("[spawned", StringComparison.Ordinal) && !l.Contains("[process", StringComparison.Ordinal))
            .ShouldBe(["[0.02s] three"]);
        _cli.Run("logs", "-2", "--stream", "stdout").OutLines.ShouldContain("[0.01s] compiling");
        _cli.Run("logs", "-2", "--stream", "stdout").OutLines.ShouldNotContain("[0.02s] error: boom");
    }

    [Fact]
    public void Json_is_one_object_per_line()
    {
        CliResult result = _cli.Run("logs", "--json", "--tail", "1");
        result.ExitCode.ShouldBe(0, result.Error);
        JsonElement[] lines = [.. result.OutLines.Select(l => JsonDocument.Parse(l).RootElement)];
        lines.Select(l => l.GetProperty("kind").GetString()).ShouldBe(["stackFrame", "spawned", "output", "exit"]);
        lines[2].GetProperty("text").GetString().ShouldBe("four");
        lines[2].GetProperty("stream").GetString().ShouldBe("stdout");
        lines[2].GetProperty("elapsedMs").GetInt64().ShouldBe(30);
        lines[0].GetProperty("elapsedMs").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public void Follow_of_a_finished_job_prints_the_whole_log_and_returns()
    {
        CliResult result = _cli.Run("logs", "--follow", "--tail", "1");
        result.ExitCode.ShouldBe(0, result.Error);
        result.OutLines.ShouldContain("[0.03s] four");
        result.OutLines.ShouldNotContain("[0.01s] one");
    }

    [Fact]
    public void Follow_of_a_file_prints_the_tail_then_stops_at_the_exit_event()
    {
        CliResult result = _cli.Run("logs", "--follow", "--tail", "2", Directory.GetFiles(_cli.Temp.File("job3"))[0]);
        result.ExitCode.ShouldBe(0, result.Error);
        result.OutLines.ShouldBe(
        [
            "- demo/project.bri:7:3",
            "[0.00s] [spawned process with pid 6000, preparation took 0.01s]",
            "[0.02s] three",
            "[0.03s] four",
            "[0.06s] [process exited with signal 9]",
        ]);
    }

    [Fact]
    public void Follow_and_reverse_do_not_combine()
    {
        CliResult result = _cli.Run("logs", "--follow", "--reverse");
        result.ExitCode.ShouldBe(2);
        result.ErrorLines.ShouldHaveSingleItem().ShouldContain("--follow and --reverse");
    }
}
