using System.Diagnostics;
using System.Text.Json;
using BriocheJob.Brioche;
using BriocheJob.Jobs;
using BriocheJob.Store;
using BriocheJob.Tests.Brioche;

namespace BriocheJob.Tests.Cli;

/// <summary>Issue 8's last output defects, each as the behaviour a user now sees.</summary>
public sealed class PolishedOutputTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void A_build_without_a_user_build_id_shows_no_external_id_in_builds_show_or_their_json()
    {
        string synthetic = ExternalIds.NewSynthetic();
        string events = _cli.WriteEvents("job", new string('a', 64), 10, [(OutputStream.Stdout, "x\n")], new ExitedEvent(20, 1));
        string jobId = "01JD0000DDDD00000000000001";
        using (SqliteJobStore store = _cli.OpenStore())
        {
            BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, synthetic, "/src", StartedAt: CliHarness.T0));
            long project = store.AddProject(build.Id, new ProjectRequest(JobKind.Brioche, "app")).Id;
            store.SaveJobs([new JobRecord(jobId, project, JobKind.Brioche, "/bin/sh -c make", CliHarness.T0, CliHarness.T0.AddSeconds(1),
                RunState.Finished, RunResult.Failed, ExitCode: 1, LocalPath: events)]);
            store.FinishBuild(build.Id, RunState.Finished, RunResult.Failed, CliHarness.T0.AddSeconds(2));
        }

        foreach (string[] command in (string[][])[["builds"], ["builds", "--json"], ["builds", "show"], ["builds", "show", "--json"],
                     ["show", jobId], ["show", jobId, "--json"], ["list", "--json"]])
        {
            CliResult result = _cli.Run(command);
            result.ExitCode.ShouldBe(0, result.Error);
            result.Out.ShouldNotContain("msbuild-", customMessage: string.Join(' ', command));
        }

        using JsonDocument show = JsonDocument.Parse(_cli.Run("show", jobId, "--json").Out);
        show.RootElement.GetProperty("buildExternalId").ValueKind.ShouldBe(JsonValueKind.Null);
        // The synthetic id still rejoins the build (and selects it), it is only not shown.
        _cli.Run("builds", "show", synthetic).ExitCode.ShouldBe(0);
    }

    [Fact]
    public void A_user_given_build_id_is_still_shown_and_only_our_own_ids_count_as_synthetic()
    {
        ExternalIds.IsSynthetic(ExternalIds.NewSynthetic()).ShouldBeTrue();
        ExternalIds.Shown("ci-42").ShouldBe("ci-42");
        ExternalIds.Shown("msbuild-nightly").ShouldBe("msbuild-nightly");
        ExternalIds.Shown((string?)null).ShouldBeNull();
        _ = new SeededStore(_cli);
        _cli.Run("builds").Out.ShouldContain("ci-42");
    }

    [Fact]
    public void Sub_command_help_names_the_whole_command_to_run()
    {
        foreach (string command in (string[])["builds", "import", "store"])
        {
            CliResult help = _cli.Run(command, "--help");
            help.Out.ShouldContain($"Run 'dotnet brioche-job {command} [command] --help' for more information about a command.");
        }

        _cli.Run("--help").Out.ShouldContain("Run 'dotnet brioche-job [command] --help'");
    }

    [Fact]
    public void List_project_help_says_what_the_filter_matches()
    {
        _cli.Run("list", "--help").Out.ShouldContain("name, path or registry name contains TEXT (any case)");
    }

    [Fact]
    public void A_step_that_ran_no_process_has_no_exit_line_in_text_or_json_and_no_exit_code()
    {
        string dir = _cli.Temp.File("workdir-step");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "events.bin.zst");
        // As DockerTraceRecorder writes a WORKDIR step: a description with no command, then a plain exit.
        var description = new ProcessDescription { Recipe = JsonDocument.Parse("""{"type":"docker_step"}""").RootElement };
        description.SetCreatedAt(CliHarness.T0);
        using (var writer = ProcessEventsWriter.Create(path, description))
        {
            writer.Write(new ExitedEvent(3, 0));
            writer.Complete();
        }

        foreach (string[] command in (string[][])[["logs", path], ["logs", path, "--json"], ["logs", path, "--tail", "5"],
                     ["logs", path, "--reverse"], ["show", path]])
        {
            CliResult result = _cli.Run(command);
            result.ExitCode.ShouldBe(0, result.Error);
            result.Out.ShouldNotContain("process exited", customMessage: string.Join(' ', command));
            result.Out.ShouldNotContain("ended abruptly", customMessage: string.Join(' ', command));
            result.Out.ShouldNotContain("exit code", customMessage: string.Join(' ', command));
        }

        using JsonDocument show = JsonDocument.Parse(_cli.Run("show", path, "--json").Out);
        show.RootElement.GetProperty("exitCode").ValueKind.ShouldBe(JsonValueKind.Null);
        show.RootElement.GetProperty("result").GetString().ShouldBe("succeeded");
    }

    [Fact]
    public void A_process_that_exited_0_still_has_its_exit_line()
    {
        string events = _cli.WriteEvents("ok", new string('b', 64), 10, [(OutputStream.Stdout, "fine\n")], new ExitedEvent(20, 0));
        _cli.Run("logs", events).Out.ShouldContain("[process exited with code 0]");
        _cli.Run("logs", events, "--tail", "1").Out.ShouldContain("[process exited with code 0]");
    }

    [Fact]
    public void Logs_json_keeps_quotes_ampersands_angle_brackets_and_accents_readable_and_stays_valid_json()
    {
        string events = _cli.WriteEvents("amp", new string('c', 64), 5, [(OutputStream.Stdout, "a & b > 'c' <d> \"e\" é\n")], new ExitedEvent(20, 1));
        foreach (string[] command in (string[][])[["logs", events, "--json"], ["logs", events, "--json", "--tail", "3"]])
        {
            CliResult logs = _cli.Run(command);
            logs.Out.ShouldContain("\"text\":\"a & b > 'c' <d> \\\"e\\\" é\"");
            logs.Out.ShouldNotContain("\\u00");
            foreach (string line in logs.OutLines)
            {
                using JsonDocument parsed = JsonDocument.Parse(line);
            }
        }
    }

    [Fact]
    public void A_missing_trace_file_is_one_lowercase_line_without_a_full_stop_like_every_other_message()
    {
        string missing = _cli.Temp.File("no-such.trace");
        CliResult result = _cli.Run("trace", missing);
        result.ExitCode.ShouldBe(3);
        result.Error.ShouldBe($"error BJ4001: trace file '{missing}' does not exist\n");
    }

    [Fact]
    public void A_count_of_one_is_singular()
    {
        Counted.Of(1, "job").ShouldBe("1 job");
        Counted.Of(0, "job").ShouldBe("0 jobs");
        Counted.Of(2, "events file").ShouldBe("2 events files");
        _ = new SeededStore(_cli);
        _cli.Run("builds", "show").Out.ShouldContain("(docker, 1 job, 0 failed)");
    }

    [Fact]
    public void The_debug_shell_status_line_names_the_exit_code_once_not_buildkits_whole_message()
    {
        var job = new JobRecord("01JD0000DDDD00000000000002", null, JobKind.Docker, "RUN exit 42", CliHarness.T0, CliHarness.T0,
            RunState.Finished, RunResult.Failed, ExitCode: 42,
            Message: "process \"/bin/sh -c exit 42\" did not complete successfully: exit code: 42");
        JobDisplay.ShortExitStatus(job).ShouldBe("exit code 42");
        JobDisplay.ShortExitStatus(job with { ExitCode = null }).ShouldBe(job.Message!);
        JobDisplay.ExitStatus(job).ShouldContain("did not complete successfully", customMessage: "show keeps the whole message");
    }

    [Fact]
    public void Logs_into_a_redirected_file_write_at_the_files_offset_and_move_it()
    {
        string tool = Path.Combine(AppContext.BaseDirectory, "dotnet-brioche-job");
        string events = _cli.WriteEvents("redirect", new string('d', 64), 10, [(OutputStream.Stdout, "the log line\n")], new ExitedEvent(20, 1));
        string output = _cli.Temp.File("out.txt");
        // One `>` for the group: every command shares one open file and its offset, as in a CI script.
        var start = new ProcessStartInfo("bash", ["-c", "{ echo before; \"$0\" logs \"$1\"; echo after; } > \"$2\"", tool, events, output])
        {
            RedirectStandardError = true,
        };
        start.Environment["BRIOCHE_JOB_HOME"] = _cli.HomePath;
        using (Process process = Process.Start(start)!)
        {
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            process.ExitCode.ShouldBe(0, error);
        }

        string[] lines = File.ReadAllLines(output);
        lines.First().ShouldBe("before");
        lines.ShouldContain("[0.01s] the log line");
        lines.ShouldContain("[0.01s] [process exited with code 1]");
        lines.Last().ShouldBe("after");
    }

    [Fact]
    public void Show_json_from_the_source_generated_context_keeps_its_shape_every_job_field_then_what_the_events_file_adds()
    {
        _ = new SeededStore(_cli);
        using JsonDocument list = JsonDocument.Parse(_cli.Run("list", "--json").Out);
        string[] jobFields = list.RootElement[0].EnumerateObject().Select(p => p.Name).ToArray();
        using JsonDocument show = JsonDocument.Parse(_cli.Run("show", SeededStore.Failed1, "--json").Out);

        show.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(
            [.. jobFields, "stackTrace", "command", "args", "lastLines", "eventsPath", "eventsProblem"]);
        show.RootElement.GetProperty("command").GetString().ShouldBe("/bin/sh");
        show.RootElement.GetProperty("args").EnumerateArray().Select(a => a.GetString()).ShouldBe(["-c", "echo `hi`\u00e9"]);
        JsonElement last = show.RootElement.GetProperty("lastLines");
        last.EnumerateArray().Last().GetProperty("kind").GetString().ShouldBe("exit");
        last[0].EnumerateObject().Select(p => p.Name).ShouldBe(["kind", "stream", "elapsedMs", "text"]);
    }
}
