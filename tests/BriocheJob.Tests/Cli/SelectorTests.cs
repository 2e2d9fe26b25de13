using System.Text.Json;

namespace BriocheJob.Tests.Cli;

public sealed class SelectorTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly SeededStore _seeded;

    public SelectorTests() => _seeded = new SeededStore(_cli);

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("failed", SeededStore.Failed3)]
    [InlineData("last", SeededStore.Docker4)]
    [InlineData("-1", SeededStore.Failed3)]
    [InlineData("-2", SeededStore.Failed1)]
    [InlineData("01jd0000bb", SeededStore.Failed3)]
    [InlineData("01JD0000AAAA00000000000002", SeededStore.Succeeded2)]
    [InlineData("abcdef12", SeededStore.Failed1)]
    [InlineData("0123456789cc", SeededStore.Failed3)]
    [InlineData("4242", SeededStore.Failed1)]
    [InlineData("6000", SeededStore.Failed3)]
    public void Every_selector_form_reaches_its_job(string selector, string expectedId)
    {
        CliResult result = _cli.Run("show", selector, "--json");
        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        json.RootElement.GetProperty("id").GetString().ShouldBe(expectedId);
    }

    [Fact]
    public void Minus_n_works_after_options_too()
    {
        CliResult result = _cli.Run("show", "--json", "-2");
        result.ExitCode.ShouldBe(0, result.Error);
        JsonDocument.Parse(result.Out).RootElement.GetProperty("id").GetString().ShouldBe(SeededStore.Failed1);
    }

    [Fact]
    public void An_events_file_path_is_read_without_the_store()
    {
        CliResult result = _cli.Run("show", _seeded.Failed1Events, "--json");
        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        json.RootElement.GetProperty("pid").GetInt32().ShouldBe(4242);
        json.RootElement.GetProperty("exitCode").GetInt32().ShouldBe(2);
        json.RootElement.GetProperty("result").GetString().ShouldBe("failed");
        json.RootElement.GetProperty("recipeHash").GetString().ShouldBe(SeededStore.RecipeA);
        json.RootElement.GetProperty("localPath").GetString().ShouldBe(_seeded.Failed1Events);
    }

    [Fact]
    public void Dash_reads_the_events_file_from_standard_input()
    {
        _cli.StandardInput = File.ReadAllBytes(_seeded.Failed3Events);
        CliResult result = _cli.Run("logs", "-");
        result.ExitCode.ShouldBe(0, result.Error);
        result.OutLines.ShouldContain("[0.03s] four");
        result.OutLines[^1].ShouldBe("[0.06s] [process exited with signal 9]");

        CliResult show = _cli.Run("show", "-", "--json");
        show.ExitCode.ShouldBe(0, show.Error);
        JsonDocument.Parse(show.Out).RootElement.GetProperty("signal").GetInt32().ShouldBe(9);
    }

    [Fact]
    public void An_ambiguous_prefix_exits_4_and_lists_one_line_per_candidate()
    {
        CliResult result = _cli.Run("show", "01jd0000aaaa");
        result.ExitCode.ShouldBe(4);
        result.Out.ShouldBeEmpty();
        string[] lines = result.ErrorLines;
        lines.Length.ShouldBe(3);
        lines[0].ShouldStartWith("error BJ6002: selector '01jd0000aaaa' matches 2 jobs");
        lines[1].ShouldStartWith($"  {SeededStore.Succeeded2} ");
        lines[2].ShouldStartWith($"  {SeededStore.Failed1} ");
    }

    [Fact]
    public void A_hex_text_that_is_both_an_id_prefix_and_a_recipe_prefix_is_ambiguous()
    {
        // "abcdef" is too short for a recipe prefix; "01JD0000" matches every job by id.
        CliResult result = _cli.Run("logs", "01JD0000");
        result.ExitCode.ShouldBe(4);
        result.ErrorLines.Length.ShouldBe(5);
    }

    [Theory]
    [InlineData("zzzz")]
    [InlineData("-9")]
    public void A_selector_that_matches_nothing_is_one_line_and_exit_3(string selector)
    {
        CliResult result = _cli.Run("logs", selector);
        result.ExitCode.ShouldBe(3);
        result.ErrorLines.ShouldHaveSingleItem().ShouldStartWith("error BJ600");
        result.Out.ShouldBeEmpty();
    }

    [Fact]
    public void A_path_that_does_not_exist_is_one_line_not_found()
    {
        CliResult result = _cli.Run("logs", "./nope/events.bin.zst");
        result.ExitCode.ShouldBe(3);
        result.ErrorLines.ShouldHaveSingleItem().ShouldStartWith("error BJ2007");
    }

    [Fact]
    public void Logs_of_a_job_whose_events_file_is_gone_is_one_line_exit_3()
    {
        CliResult result = _cli.Run("logs", SeededStore.Succeeded2);
        result.ExitCode.ShouldBe(3);
        result.ErrorLines.ShouldHaveSingleItem().ShouldStartWith("error BJ6010: the events file of job 01JD0000AAAA00000000000002 is gone");
    }

    [Theory]
    [InlineData("--tail", "x")]
    [InlineData("--stream", "both")]
    public void Bad_option_values_are_usage_errors(string option, string value)
    {
        CliResult result = _cli.Run("logs", option, value);
        result.ExitCode.ShouldBe(2);
        result.ErrorLines.ShouldHaveSingleItem().ShouldStartWith("error BJ6011");
    }

    [Fact]
    public void The_home_option_overrides_the_environment()
    {
        _cli.Environment["BRIOCHE_JOB_HOME"] = _cli.Temp.File("other-home");
        _cli.Run("list").OutLines.ShouldHaveSingleItem().ShouldStartWith("No jobs recorded yet.");
        CliResult result = _cli.Run("list", "--home", _cli.HomePath);
        result.OutLines.Length.ShouldBe(5);
    }
}
