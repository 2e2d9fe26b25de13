using System.Text.Json;
using BriocheJob.IntegrationTests.Brioche;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.History;

/// <summary>
/// The history commands on real recorded Brioche builds (the stand-in runs real processes): two builds of one
/// project, where the first recipe's environment changes and the second, identical recipe fails the second time
/// because of a flag file outside the recipe (a flaky step).
/// </summary>
public sealed class BriocheHistoryTests : IDisposable
{
    private readonly TempDirectory _temp = new("bj-history-");

    public void Dispose() => _temp.Dispose();

    private string Home => _temp.Combine("home");

    private string Flag => _temp.Combine("flag");

    private async Task<string> BuildAsync(string greeting)
    {
        // Both jobs run long enough for the recorder to open their logs before Brioche deletes a succeeded job's folder
        // (a job gone sooner is recorded without a name: "log not recorded: Brioche removed the job folder …").
        string command2 = $"echo 'running the tests'; sleep 0.3; echo 'test one ok'; if [ -f {Flag} ]; then echo 'test two FAILED' >&2; exit 4; fi; echo 'test two ok'";
        var project = FakeBriocheProject.Write(_temp.Combine("hello"), "hello",
        [
            new FakeProcess("echo \"compiling with $GREETING\"; sleep 0.3", new Dictionary<string, string> { ["GREETING"] = greeting }),
            new FakeProcess(command2),
        ]);
        var recorder = new BriocheBuildRecorder(new BriocheBuildOptions
        {
            BriocheExe = FakeBriocheProject.Executable,
            Home = Home,
            BriocheDataDir = _temp.Combine("brioche-data"),
            ExternalBuildId = "history-" + Guid.NewGuid().ToString("N"),
        });
        var outcome = await recorder.RunAsync([new BriocheProjectSpec(project)], new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
        outcome.Projects.Single().Jobs.Count.ShouldBe(2, string.Join('\n', outcome.Projects[0].OutputTail));
        return outcome.BuildId.ShouldNotBeNull();
    }

    [Fact]
    public async Task Two_real_builds_answer_show_diff_why_logs_diff_flaky_and_timeline()
    {
        string first = await BuildAsync("hello");
        File.WriteAllText(Flag, "fail");
        string second = await BuildAsync("bonjour");
        var cli = new HistoryCli(Home);

        using var store = SqliteJobStore.Open(new DataHome(Home));
        var firstBuild = store.GetBuild(first)!;
        var secondBuild = store.GetBuild(second)!;
        JobView compile1 = firstBuild.Jobs.Single(j => j.Job.Name!.Contains("compiling"));
        JobView compile2 = secondBuild.Jobs.Single(j => j.Job.Name!.Contains("compiling"));
        JobView test1 = firstBuild.Jobs.Single(j => j.Job.Name!.Contains("running the tests"));
        JobView test2 = secondBuild.Jobs.Single(j => j.Job.Name!.Contains("running the tests"));
        test2.Job.Result.ShouldBe(RunResult.Failed);
        test1.Job.RecipeHash.ShouldBe(test2.Job.RecipeHash, "the identical recipe");
        compile1.Job.RecipeHash.ShouldNotBe(compile2.Job.RecipeHash);

        // Step keys: the project and the recipe's frame in project.bri, the same in both builds.
        using (var show = cli.Json("show", compile2.Job.Id, "--json"))
        {
            string key = show.RootElement.GetProperty("stepKey").GetString()!;
            key.ShouldStartWith("hello:hello/project.bri:");
            key.ShouldBe(StepKeys.Of(compile1));
            show.RootElement.GetProperty("flaky").GetBoolean().ShouldBeFalse();
        }

        // builds show: stats, offsets, critical path inferred from timing (the stand-in bakes one at a time).
        string text = cli.Ok("builds", "show", second);
        text.ShouldContain("parallelism");
        text.ShouldContain("critical path (inferred from timing");
        using (var json = cli.Json("builds", "show", second, "--json"))
        {
            JsonElement root = json.RootElement;
            long wall = root.GetProperty("stats").GetProperty("wallMs").GetInt64();
            long jobMs = root.GetProperty("stats").GetProperty("jobMs").GetInt64();
            wall.ShouldBeGreaterThan(0);
            jobMs.ShouldBe(secondBuild.Jobs.Sum(j => (long)j.Job.Duration!.Value.TotalMilliseconds));
            root.GetProperty("stats").GetProperty("parallelism").GetDouble().ShouldBe(Math.Round((double)jobMs / wall, 2));
            root.GetProperty("stats").GetProperty("cachedJobs").GetInt32().ShouldBe(0);
            root.GetProperty("criticalPath").EnumerateArray().Select(e => e.GetString())
                .ShouldBe([compile2.Job.Id, test2.Job.Id]);
            root.GetProperty("criticalPathMethod").GetString().ShouldBe("timing");
            var jobs = root.GetProperty("jobs").EnumerateArray().ToList();
            jobs.Select(j => j.GetProperty("id").GetString()).ShouldBe([compile2.Job.Id, test2.Job.Id]);
            jobs[0].GetProperty("offsetMs").GetInt64().ShouldBe((long)(compile2.Job.StartedAt - secondBuild.Build.StartedAt).TotalMilliseconds);
            jobs[1].GetProperty("offsetMs").GetInt64().ShouldBeGreaterThanOrEqualTo(jobs[0].GetProperty("offsetMs").GetInt64());
            jobs[1].GetProperty("flaky").GetBoolean().ShouldBeTrue();
        }

        // builds diff with the defaults: HEAD last, BASE the earlier build of project hello.
        string diff = cli.Ok("builds", "diff");
        diff.ShouldContain($"base  {first}");
        diff.ShouldContain($"head  {second}");
        string[] rows = diff.Split('\n').Where(l => l.StartsWith("changed", StringComparison.Ordinal) || l.StartsWith("same", StringComparison.Ordinal)).ToArray();
        rows.Length.ShouldBe(2);
        rows[0].ShouldStartWith("same");
        rows[0].ShouldContain("failed (was succeeded)", customMessage: "failures first");
        rows[1].ShouldStartWith("changed");
        diff.ShouldContain("1 changed, 0 added, 0 removed, 1 same; 1 changed result, 0 changed cache use");
        using (var json = cli.Json("builds", "diff", first, second, "--json"))
        {
            json.RootElement.GetProperty("base").GetProperty("id").GetString().ShouldBe(first);
            json.RootElement.GetProperty("head").GetProperty("id").GetString().ShouldBe(second);
            var pairs = json.RootElement.GetProperty("jobs").EnumerateArray().ToList();
            pairs.Count.ShouldBe(2);
            JsonElement changed = pairs.Single(p => p.GetProperty("change").GetString() == "changed");
            changed.GetProperty("base").GetProperty("id").GetString().ShouldBe(compile1.Job.Id);
            changed.GetProperty("head").GetProperty("id").GetString().ShouldBe(compile2.Job.Id);
            changed.GetProperty("resultChanged").GetBoolean().ShouldBeFalse();
            changed.GetProperty("durationDeltaMs").GetInt64()
                .ShouldBe((long)(compile2.Job.Duration!.Value - compile1.Job.Duration!.Value).TotalMilliseconds);
            JsonElement same = pairs.Single(p => p.GetProperty("change").GetString() == "same");
            same.GetProperty("resultChanged").GetBoolean().ShouldBeTrue();
            same.GetProperty("key").GetString().ShouldBe(StepKeys.Of(test2));
        }

        // why: the recipe's environment changed, field by field.
        using (var why = cli.Json("why", compile2.Job.Id, "--json"))
        {
            why.RootElement.GetProperty("reason").GetString().ShouldBe("recipe-changed");
            why.RootElement.GetProperty("previous").GetProperty("id").GetString().ShouldBe(compile1.Job.Id);
            var changes = why.RootElement.GetProperty("changes").EnumerateArray().ToList();
            JsonElement env = changes.Single(c => c.GetProperty("field").GetString() == "env.GREETING");
            env.GetProperty("before").GetString().ShouldBe("hello");
            env.GetProperty("after").GetString().ShouldBe("bonjour");
            changes.ShouldContain(c => c.GetProperty("field").GetString() == "recipeHash");
        }

        string whyText = cli.Ok("why", compile2.Job.Id);
        whyText.ShouldContain("reason    recipe-changed");
        whyText.ShouldContain("    before: hello");
        whyText.ShouldContain("    after:  bonjour");
        using (var why = cli.Json("why", compile1.Job.Id, "--json"))
        {
            why.RootElement.GetProperty("reason").GetString().ShouldBe("first-run");
            why.RootElement.GetProperty("previous").ValueKind.ShouldBe(JsonValueKind.Null);
        }

        // logs --diff: the failed job against the last success of its step (the default selector: the failed job).
        string logDiff = cli.Ok("logs", "--diff");
        logDiff.ShouldContain($"--- job {test1.Job.Id}");
        logDiff.ShouldContain($"+++ job {test2.Job.Id}");
        logDiff.ShouldContain("-test two ok");
        logDiff.ShouldContain("+test two FAILED");
        logDiff.ShouldContain("+[process exited with code 4]");
        logDiff.ShouldContain(" test one ok");
        logDiff.ShouldNotContain("[0.", customMessage: "elapsed prefixes are stripped");
        string against = cli.Ok("logs", "--diff", test2.Job.Id, "--against", compile2.Job.Id);
        against.ShouldContain($"--- job {compile2.Job.Id}");
        var (noSuccess, _, noSuccessError) = cli.Run("logs", "--diff", test1.Job.Id);
        noSuccess.ShouldBe(3);
        noSuccessError.Trim().Split('\n').ShouldHaveSingleItem().ShouldStartWith("error BJ6041: no earlier succeeded job has step key");

        // Flaky: the identical recipe succeeded and failed.
        using (var flaky = cli.Json("list", "--flaky", "--json"))
        {
            flaky.RootElement.EnumerateArray().Select(j => j.GetProperty("id").GetString())
                .ShouldBe([test2.Job.Id, test1.Job.Id], ignoreOrder: true);
            flaky.RootElement.EnumerateArray().ShouldAllBe(j => j.GetProperty("flaky").GetBoolean());
        }

        string showFlaky = cli.Ok("show", test2.Job.Id);
        showFlaky.ShouldContain("flaky     yes");
        showFlaky.ShouldContain($"the identical recipe last succeeded ");
        showFlaky.ShouldContain($"in build {first} (job {test1.Job.Id})");

        // The extra line of the BJ3001 error: the step succeeded in build 1; the why reason and the logs --diff command.
        string hint = BriocheJob.History.FailureHistory.Hint(Home, test2.Job.Id).ShouldNotBeNull();
        hint.ShouldStartWith($"This step succeeded in build {first} (job {test1.Job.Id}); since then: unknown, the identical recipe ran before");
        hint.ShouldEndWith($"Diff the logs: dotnet brioche-job logs --diff {test2.Job.Id}");
        BriocheJob.History.FailureHistory.Hint(Home, compile2.Job.Id).ShouldBeNull("it did not fail");

        // Timeline: one row per job, 80 columns when not a terminal, no colour.
        string timeline = cli.Ok("builds", "timeline", second);
        string[] timelineRows = timeline.Split('\n').Where(l => l.Contains('|') && !l.Contains("|0", StringComparison.Ordinal)).ToArray();
        timelineRows.Length.ShouldBe(2);
        timeline.Split('\n').ShouldAllBe(l => l.Length <= 80);
        timeline.ShouldNotContain("\u001b[");
        timelineRows[1].ShouldContain("X", customMessage: "the failed job");
        timelineRows[0].ShouldStartWith("* ", customMessage: "on the critical path");
        string coloured = cli.Ok("builds", "timeline", second, "--color", "always", "--width", "120");
        coloured.ShouldContain("\u001b[31m");
        coloured.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\u001b\\[[0-9;]*m", ""))
            .ShouldAllBe(l => l.Length <= 120);
    }
}
