using System.Text.Json;
using System.Text.RegularExpressions;
using BriocheJob.Brioche;
using BriocheJob.Tests.Brioche;

namespace BriocheJob.Tests.Cli;

/// <summary>Output as a new user reads it: plain JSON text, one short id, milliseconds, singular grammar.</summary>
public sealed class NewUserOutputTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Show_json_gives_the_same_short_id_as_list_json()
    {
        _ = new SeededStore(_cli);
        using JsonDocument list = JsonDocument.Parse(_cli.Run("list", "--json").Out);
        JsonElement listed = list.RootElement.EnumerateArray().First(j => j.GetProperty("id").GetString() == SeededStore.Failed3);
        using JsonDocument show = JsonDocument.Parse(_cli.Run("show", SeededStore.Failed3, "--json").Out);
        show.RootElement.GetProperty("shortId").GetString().ShouldNotBeNull().ShouldBe(listed.GetProperty("shortId").GetString());
    }

    [Fact]
    public void Human_facing_json_keeps_quotes_ampersands_and_angle_brackets_readable()
    {
        string events = _cli.WriteEvents("amp", new string('a', 64), 5, [(OutputStream.Stdout, "a & b > 'c' <d>\n")], new ExitedEvent(20, 1));
        CliResult show = _cli.Run("show", "--json", events);
        show.Out.ShouldContain("a & b > 'c' <d>");
        show.Out.ShouldNotContain("\\u0027");
    }

    [Fact]
    public void Trace_json_times_have_milliseconds()
    {
        string data = Path.Combine(Path.GetDirectoryName(Fixtures.FixturesDir)!, "BriocheJob.Tests", "BuildKit", "data");
        CliResult result = _cli.Run("trace", "--json", Path.Combine(data, "success.jsonl"));
        result.ExitCode.ShouldBe(0, result.Error);
        MatchCollection times = Regex.Matches(result.Out, "\"(startedAt|completedAt)\": *\"([^\"]+)\"");
        times.Count.ShouldBeGreaterThan(0);
        foreach (Match time in times)
        {
            time.Groups[2].Value.ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$");
        }
    }

    [Fact]
    public void One_of_something_is_singular()
    {
        string dataDir = _cli.Temp.File("data");
        _cli.WriteEvents("data/process-temp/01JD0000000000000000000S01", new string('b', 64), 9, [(OutputStream.Stdout, "only\n")], new ExitedEvent(20, 2));
        CliResult import = _cli.Run("import", "brioche", "--data-dir", dataDir);
        import.ExitCode.ShouldBe(0, import.Error);
        import.Out.ShouldStartWith("imported 1 new job (1 failed) into build ");
        CliResult show = _cli.Run("show");
        show.OutLines.ShouldContain("last log line:");
    }
}
