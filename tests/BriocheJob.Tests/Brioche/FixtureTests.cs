using System.Text.Json;
using BriocheJob.Brioche;

namespace BriocheJob.Tests.Brioche;

/// <summary>Our reader against the events files an independent implementation wrote (tests/Fixtures/brioche, copied from shared/fixtures/brioche).</summary>
public sealed class FixtureTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly string _fixtures;
    private readonly JsonElement _expected;

    public FixtureTests()
    {
        _fixtures = Fixtures.CopyBriocheFixtures(_temp);
        _expected = Fixtures.Expected(_fixtures);
    }

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Cases() => new() { "failed-compile", "large-multiframe" };

    private string PathOf(JsonElement expected) => Path.Combine(_fixtures, expected.GetProperty("path").GetString()!);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reads_every_expected_fact(string name)
    {
        var expected = _expected.GetProperty(name);
        var log = ProcessLog.Read(PathOf(expected));

        log.EndedAbruptly.ShouldBeFalse();
        log.Spawned!.Pid.ShouldBe(expected.GetProperty("pid").GetUInt32());
        log.Exit.ShouldBeOfType<ExitedEvent>().ExitCode.ShouldBe(expected.GetProperty("exit").GetInt32());
        log.Description!.RecipeHash.ShouldBe(expected.GetProperty("recipeHash").GetString());
        log.Description.RootDir.ShouldContain(expected.GetProperty("ulid").GetString()!);
        var lines = log.OutputLines.Select(l => l.Text).ToList();
        if (expected.TryGetProperty("lines", out var expectedLines))
        {
            lines.ShouldBe(expectedLines.EnumerateArray().Select(l => l.GetString()!).ToList());
        }
        else
        {
            lines.Count.ShouldBe(expected.GetProperty("lineCount").GetInt32());
            lines[0].ShouldBe(expected.GetProperty("firstLine").GetString());
            lines[^1].ShouldBe(expected.GetProperty("lastLine").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tail_from_the_end_matches_the_end_of_a_full_read(string name)
    {
        var path = PathOf(_expected.GetProperty(name));
        var full = ProcessLog.Read(path).OutputLines;
        var tail = ProcessLog.Read(path, new ProcessLogOptions { Tail = 20 });

        tail.OutputLines.ShouldBe(full.TakeLast(20).ToList());
        tail.Exit.ShouldBe(ProcessLog.Read(path).Exit);
        tail.Spawned!.Pid.ShouldBe(_expected.GetProperty(name).GetProperty("pid").GetUInt32());
    }

    [Fact]
    public void Tail_of_the_large_fixture_reads_only_its_last_frames()
    {
        var expected = _expected.GetProperty("large-multiframe");
        using (var backward = ProcessEventsBackwardReader.Open(PathOf(expected)))
        {
            backward.ReadBackward().Take(3).ToList();
            backward.HasSeekTable.ShouldBeTrue();
            backward.FrameCount.ShouldBe(4);
            backward.FramesDecompressed.ShouldBe(1);
        }
        var tail = ProcessLog.Read(PathOf(expected), new ProcessLogOptions { Tail = 5 });
        tail.OutputLines[^1].Text.ShouldBe(expected.GetProperty("lastLine").GetString());
    }

    [Fact]
    public void Renders_like_brioche_jobs_logs()
    {
        var log = ProcessLog.Read(PathOf(_expected.GetProperty("failed-compile")));
        var text = log.RenderText().Split('\n');

        text[0].ShouldBe("- hello/project.bri:12:5");
        text[1].ShouldMatch(@"^\[0\.00s\] \[spawned process with pid 4242, preparation took \d+\.\d\ds\]$");
        text[2].ShouldMatch(@"^\[\d+\.\d\ds\] cc -c main\.c$");
        text[5].ShouldMatch(@"^\[\d+\.\d\ds\] \[process exited with code 2\]$");
        text.ShouldNotContain("log ended abruptly");
    }

    [Fact]
    public void Reads_the_description_alone()
    {
        var description = ProcessEventsReader.ReadDescription(PathOf(_expected.GetProperty("failed-compile")));

        description.CreatedAt.ShouldBe(new DateTimeOffset(2026, 11, 20, 9, 15, 1, 500, TimeSpan.Zero));
        description.CreatedAtZone.ShouldBe("UTC");
        description.CommandDisplay.ShouldBe("/bin/sh");
        description.ArgsDisplay.ShouldBe(["-c", "make"]);
        description.SandboxConfig.UidHint.ShouldBe(1099u);
        description.SandboxConfig.Env["HOME"].ToDisplayString().ShouldBe("/home/brioche-runner");
        TemplateText.ToDisplayString(description.Recipe.GetProperty("command")).ShouldBe("/bin/sh");
    }
}
