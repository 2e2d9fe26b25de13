using System.Text.Json;
using BriocheJob.Tests.Brioche;

namespace BriocheJob.Tests.Cli;

public sealed class ImportAndDebugShellTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Import_brioche_records_the_kept_jobs_once()
    {
        string dataDir = Path.Combine(Fixtures.CopyBriocheFixtures(_cli.Temp), "brioche-data");
        _cli.Environment["BRIOCHE_DATA_DIR"] = dataDir;

        CliResult first = _cli.Run("import", "brioche");
        first.ExitCode.ShouldBe(0, first.Error);
        first.OutLines.ShouldHaveSingleItem().ShouldStartWith("imported 2 new jobs (2 failed) into build ");
        first.Out.ShouldContain("0 already recorded");

        CliResult second = _cli.Run("import", "brioche", "--data-dir", dataDir);
        second.ExitCode.ShouldBe(0, second.Error);
        second.OutLines.ShouldHaveSingleItem().ShouldStartWith("imported 0 new jobs (0 failed), 2 already recorded");

        CliResult builds = _cli.Run("builds", "--json");
        using (var doc = JsonDocument.Parse(builds.Out))
        {
            JsonElement build = doc.RootElement.EnumerateArray().ShouldHaveSingleItem();
            build.GetProperty("origin").GetString().ShouldBe("import");
            build.GetProperty("jobCount").GetInt32().ShouldBe(2);
            build.GetProperty("projectCount").GetInt32().ShouldBe(1);
        }

        CliResult show = _cli.Run("show", "01JD0000000000000000000001", "--json");
        show.ExitCode.ShouldBe(0, show.Error);
        using var json = JsonDocument.Parse(show.Out);
        JsonElement job = json.RootElement;
        job.GetProperty("project").GetString().ShouldBe("hello");
        job.GetProperty("recipeHash").GetString().ShouldBe(string.Concat(Enumerable.Repeat("a1", 32)));
        job.GetProperty("pid").GetInt32().ShouldBe(4242);
        job.GetProperty("exitCode").GetInt32().ShouldBe(2);
        job.GetProperty("result").GetString().ShouldBe("failed");
        job.GetProperty("name").GetString().ShouldBe("/bin/sh -c make");
        job.GetProperty("startedAt").GetString().ShouldBe("2026-11-20T09:15:01.500Z");
        job.GetProperty("localPath").GetString().ShouldBe(Path.Combine(dataDir, "process-temp", "01JD0000000000000000000001", "events.bin.zst"));
        DateTimeOffset.Parse(job.GetProperty("stoppedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBeGreaterThan(DateTimeOffset.Parse("2026-11-20T09:15:01.500Z", System.Globalization.CultureInfo.InvariantCulture));

        // The imported job is selectable by its recipe hash and pid, and its logs read.
        _cli.Run("logs", "a1a1a1a1", "--tail", "1").OutLines.ShouldContain("[0.03s] make: *** [all] Error 1");
        _cli.Run("logs", "999", "--tail", "1").OutLines.ShouldContain(l => l.EndsWith("] [process exited with code 1]", StringComparison.Ordinal));
    }

    [Fact]
    public void Import_skips_unreadable_folders_with_a_warning()
    {
        string dataDir = Path.Combine(Fixtures.CopyBriocheFixtures(_cli.Temp), "brioche-data");
        string bad = Path.Combine(dataDir, "process-temp", "01JD0000000000000000000009");
        Directory.CreateDirectory(bad);
        File.WriteAllText(Path.Combine(bad, "events.bin.zst"), "not an events file");
        Directory.CreateDirectory(Path.Combine(dataDir, "process-temp", "01JD000000000000000000000A"));

        CliResult result = _cli.Run("import", "brioche", "--data-dir", dataDir);
        result.ExitCode.ShouldBe(0, result.Error);
        result.Out.ShouldStartWith("imported 2 new jobs");
        result.ErrorLines.Length.ShouldBe(2);
        result.ErrorLines.ShouldContain(l => l.StartsWith("warning: skipped 01JD0000000000000000000009: BJ", StringComparison.Ordinal));
        result.ErrorLines.ShouldContain(l => l.StartsWith("warning: skipped 01JD000000000000000000000A: no events.bin.zst", StringComparison.Ordinal));
    }

    [Fact]
    public void Import_from_a_missing_data_dir_is_one_line_exit_3()
    {
        CliResult result = _cli.Run("import", "brioche", "--data-dir", _cli.Temp.File("nowhere"));
        result.ExitCode.ShouldBe(3);
        result.ErrorLines.ShouldHaveSingleItem().ShouldStartWith("error BJ6014");
    }

    [Fact]
    public void Debug_shell_without_brioche_on_path_is_one_line_exit_6()
    {
        _ = new SeededStore(_cli);
        CliResult result = _cli.Run("debug-shell");
        result.ExitCode.ShouldBe(6);
        result.ErrorLines.ShouldHaveSingleItem().ShouldStartWith("error BJ6012: brioche is not on PATH");
    }

    [Fact]
    public void Debug_shell_runs_brioche_jobs_debug_shell_on_the_events_file()
    {
        var seeded = new SeededStore(_cli);
        string bin = _cli.Temp.File("bin");
        Directory.CreateDirectory(bin);
        string record = _cli.Temp.File("brioche-args.txt");
        string script = Path.Combine(bin, "brioche");
        File.WriteAllText(script, $"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{record}'\nexit 7\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _cli.Environment["PATH"] = bin;

        CliResult result = _cli.Run("debug-shell", "-2");
        result.ExitCode.ShouldBe(7, result.Error);
        File.ReadAllLines(record).ShouldBe(["jobs", "debug-shell", seeded.Failed1Events]);
        result.OutLines[0].ShouldBe("command: /bin/sh -c 'echo `hi`é'");
        result.OutLines[1].ShouldBe("status:  failed (exit code 2)");
    }

    [Fact]
    public void Debug_shell_of_a_docker_job_without_dockerfile_meta_is_a_usage_error()
    {
        _ = new SeededStore(_cli);
        CliResult result = _cli.Run("debug-shell", "last");
        result.ExitCode.ShouldBe(2);
        result.ErrorLines.ShouldHaveSingleItem().ShouldStartWith("error BJ5110");
    }

    [Fact]
    public void Debug_shell_of_a_job_whose_events_file_is_gone_is_exit_3()
    {
        _ = new SeededStore(_cli);
        CliResult result = _cli.Run("debug-shell", SeededStore.Succeeded2);
        result.ExitCode.ShouldBe(3);
        result.ErrorLines.ShouldHaveSingleItem().ShouldStartWith("error BJ6010");
    }
}
