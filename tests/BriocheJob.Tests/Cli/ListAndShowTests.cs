using System.Text.Json;

namespace BriocheJob.Tests.Cli;

public sealed class ListAndShowTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void List_on_an_empty_store_says_so_and_succeeds()
    {
        CliResult result = _cli.Run("list");
        result.ExitCode.ShouldBe(0);
        result.OutLines.ShouldHaveSingleItem().ShouldStartWith("No jobs recorded yet.");
        result.Error.ShouldBeEmpty();
    }

    [Fact]
    public void List_prints_jobs_most_recent_first_with_short_ids_and_outcomes()
    {
        _ = new SeededStore(_cli);
        CliResult result = _cli.Run("list");
        result.ExitCode.ShouldBe(0);
        string[] lines = result.OutLines;
        lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .ShouldBe(["ID", "BUILD", "PROJECT", "KIND", "NAME", "RESULT", "STARTED", "DURATION"]);
        lines.Length.ShouldBe(5);
        // Short ids: the shortest unique prefix, at least 8 characters.
        lines[1].ShouldStartWith("01JD0000C ");
        lines[1].ShouldContain("web-image");
        lines[1].ShouldContain("docker");
        lines[1].ShouldContain("succeeded (cached)");
        lines[2].ShouldStartWith("01JD0000B ");
        lines[2].ShouldContain("failed");
        lines[2].ShouldContain("300ms");
        lines[3].ShouldStartWith("01JD0000AAAA00000000000002");
        lines[3].ShouldContain("1m15s");
        lines[3].ShouldContain("03-01 12:01");
        lines[4].ShouldStartWith("01JD0000AAAA00000000000001");
        lines[4].ShouldContain("/bin/sh -c make");
    }

    [Theory]
    [InlineData(new[] { "--failed" }, new[] { SeededStore.Failed3, SeededStore.Failed1 })]
    [InlineData(new[] { "--kind", "docker" }, new[] { SeededStore.Docker4 })]
    [InlineData(new[] { "--limit", "2" }, new[] { SeededStore.Docker4, SeededStore.Failed3 })]
    [InlineData(new[] { "--project", "WEB" }, new[] { SeededStore.Docker4 })]
    [InlineData(new[] { "--build", "ci-42", "--kind", "brioche" }, new[] { SeededStore.Failed3, SeededStore.Succeeded2, SeededStore.Failed1 })]
    public void List_filters(string[] filters, string[] expectedIds)
    {
        _ = new SeededStore(_cli);
        CliResult result = _cli.Run(["list", "--json", .. filters]);
        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        json.RootElement.EnumerateArray().Select(j => j.GetProperty("id").GetString()).ShouldBe(expectedIds);
    }

    [Fact]
    public void List_json_uses_the_stable_field_names()
    {
        _ = new SeededStore(_cli);
        CliResult result = _cli.Run("list", "--json", "--limit", "1", "--failed");
        using var json = JsonDocument.Parse(result.Out);
        JsonElement job = json.RootElement.EnumerateArray().Single();
        string[] required = ["id", "buildId", "project", "kind", "name", "result", "startedAt", "stoppedAt", "durationMs",
            "recipeHash", "pid", "exitCode", "signal", "message", "cached", "localPath"];
        job.EnumerateObject().Select(p => p.Name).ShouldBeSubsetOf(job.EnumerateObject().Select(p => p.Name));
        foreach (string name in required)
        {
            job.TryGetProperty(name, out _).ShouldBeTrue(name);
        }

        job.GetProperty("id").GetString().ShouldBe(SeededStore.Failed3);
        job.GetProperty("signal").GetInt32().ShouldBe(9);
        job.GetProperty("durationMs").GetInt64().ShouldBe(300);
        job.GetProperty("project").GetString().ShouldBe("app");
        job.GetProperty("startedAt").GetString().ShouldBe("2025-03-01T12:02:00.000Z");
    }

    [Fact]
    public void Show_without_a_selector_shows_the_most_recent_failed_job_with_its_last_lines()
    {
        var seeded = new SeededStore(_cli);
        CliResult result = _cli.Run("show");
        result.ExitCode.ShouldBe(0, result.Error);
        string o = result.Out;
        o.ShouldContain($"job       {SeededStore.Failed3}  brioche, failed");
        o.ShouldContain($"build     {seeded.BuildId}  msbuild, external id ci-42, failed");
        o.ShouldContain("project   app  /src/app");
        o.ShouldContain($"recipe    {SeededStore.RecipeC}");
        o.ShouldContain("pid       6000");
        o.ShouldContain("exit      signal 9");
        o.ShouldContain("  - demo/project.bri:7:3");
        o.ShouldContain("command   /bin/sh");
        o.ShouldContain("args      -c 'echo `hi`é'");
        o.ShouldContain($"events    {seeded.Failed3Events}");
        o.ShouldContain("last 4 log lines:");
        o.ShouldContain("  [0.01s] one");
        o.ShouldContain("  [0.02s] three");
        o.ShouldContain("  [0.03s] four");
        o.ShouldContain("[process exited with signal 9]");
        o.ShouldContain($"all logs: dotnet brioche-job logs {SeededStore.Failed3}");
    }

    [Fact]
    public void Show_json_adds_stack_trace_command_args_and_last_lines()
    {
        _ = new SeededStore(_cli);
        CliResult result = _cli.Run("show", "--json", "--lines", "1");
        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        JsonElement root = json.RootElement;
        root.GetProperty("id").GetString().ShouldBe(SeededStore.Failed3);
        root.GetProperty("stackTrace").EnumerateArray().Select(e => e.GetString()).ShouldBe(["demo/project.bri:7:3"]);
        root.GetProperty("command").GetString().ShouldBe("/bin/sh");
        root.GetProperty("args").EnumerateArray().Select(e => e.GetString()).ShouldBe(["-c", "echo `hi`é"]);
        JsonElement[] last = [.. root.GetProperty("lastLines").EnumerateArray()];
        last.Select(l => l.GetProperty("kind").GetString()).ShouldBe(["output", "exit"]);
        last[0].GetProperty("text").GetString().ShouldBe("four");
        last[0].GetProperty("stream").GetString().ShouldBe("stdout");
        last[0].GetProperty("elapsedMs").GetInt64().ShouldBe(30);
        root.GetProperty("eventsProblem").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public void Show_of_a_job_whose_events_file_is_gone_still_shows_the_record()
    {
        _ = new SeededStore(_cli);
        CliResult result = _cli.Run("show", SeededStore.Succeeded2);
        result.ExitCode.ShouldBe(0, result.Error);
        result.Out.ShouldContain($"job       {SeededStore.Succeeded2}  brioche, succeeded");
        result.Out.ShouldContain("exit      exit code 0");
        result.OutLines.Count(l => l.Contains("events file is gone", StringComparison.Ordinal)).ShouldBe(1);
        result.Out.ShouldNotContain("stack trace:");
    }

    [Fact]
    public void Builds_lists_builds_and_builds_show_lists_projects_and_jobs()
    {
        var seeded = new SeededStore(_cli);
        CliResult list = _cli.Run("builds");
        list.ExitCode.ShouldBe(0, list.Error);
        list.OutLines.Length.ShouldBe(2);
        list.OutLines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .ShouldBe([seeded.BuildId[..8], "ci-42", "msbuild", "failed", "03-01", "12:00", "4m00s", "2", "4", "2"]);

        CliResult show = _cli.Run("builds", "show", "ci-42");
        show.ExitCode.ShouldBe(0, show.Error);
        show.Out.ShouldContain($"build     {seeded.BuildId}  msbuild, failed");
        show.Out.ShouldContain("  app (brioche, 3 jobs, 2 failed)  /src/app");
        show.Out.ShouldContain("  web-image (docker, 1 job, 0 failed)  /src/web");
        show.OutLines.Count(l => l.StartsWith("01JD0000", StringComparison.Ordinal)).ShouldBe(4);

        CliResult json = _cli.Run("builds", "show", seeded.BuildId[..10].ToLowerInvariant(), "--json");
        json.ExitCode.ShouldBe(0, json.Error);
        using var doc = JsonDocument.Parse(json.Out);
        doc.RootElement.GetProperty("build").GetProperty("externalId").GetString().ShouldBe("ci-42");
        doc.RootElement.GetProperty("projects").GetArrayLength().ShouldBe(2);
        doc.RootElement.GetProperty("jobs").GetArrayLength().ShouldBe(4);
    }
}
