using System.Text.Json;
using BriocheJob.Docker;
using BriocheJob.IntegrationTests.Docker;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.History;

/// <summary>
/// The history commands on real image builds through the engine: three builds of one image. The second changes a
/// copied context file, a build arg, one instruction's text, and makes the last step fail; the third changes
/// nothing (cache hits, and the failed step fails again).
/// </summary>
public sealed class DockerHistoryTests : IDisposable
{
    private readonly DockerRecordingFixture _fx = new();
    private readonly string _image = "brioche-job-history-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _marker = DockerRecordingFixture.NewMarker("history");

    public void Dispose()
    {
        try { _fx.Client.RemoveImageAsync(_image).GetAwaiter().GetResult(); }
        catch (BriocheJobException) { }
        _fx.Dispose();
    }

    private string Dockerfile(string edited, string check) => $"""
        FROM busybox:local
        COPY data.txt /data.txt
        RUN echo "copied $(cat /data.txt) {_marker}"
        ARG FLAVOR
        RUN echo "flavor is $FLAVOR {_marker}"
        RUN echo "{edited} {_marker}"
        RUN echo "checking {_marker}" && {check}
        """;

    private async Task<BuildDetails> BuildAsync(string data, string flavor, string edited, string check, bool succeeds)
    {
        // The marker keeps every content new to the engine's cache, which other runs share.
        File.WriteAllText(Path.Combine(_fx.Context, "data.txt"), $"{data} {_marker}");
        _fx.WriteDockerfile(Dockerfile(edited, check));
        var spec = new DockerImageSpec(_image, _fx.Context, null)
        {
            NetworkMode = "none",
            BuildArgs = new Dictionary<string, string> { ["FLAVOR"] = flavor },
        };
        var (outcome, build, _) = await _fx.BuildAndRecordAsync(spec);
        outcome.Succeeded.ShouldBe(succeeds, outcome.Error);
        return build;
    }

    private static JobView At(BuildDetails build, int line) =>
        build.Jobs.Single(j => DockerStepMeta.TryParse(j.Job.RecipeMeta)?.Line == line);

    [Fact]
    public async Task Three_real_builds_answer_show_diff_why_logs_diff_and_timeline()
    {
        BuildDetails b1 = await BuildAsync("one", "plain", "edit me", "echo 'check ok'", succeeds: true);
        BuildDetails b2 = await BuildAsync("two", "spicy", "edited", "echo 'check broken' >&2 && exit 3", succeeds: false);
        BuildDetails b3 = await BuildAsync("two", "spicy", "edited", "echo 'check broken' >&2 && exit 3", succeeds: false);
        var cli = new HistoryCli(_fx.Home);

        // Step keys: image, stage, position in the stage; the same across builds and across an edit of the step.
        StepKeys.Of(At(b1, 2)).ShouldBe($"{_image}:stage-0:2");
        StepKeys.Of(At(b2, 6)).ShouldBe(StepKeys.Of(At(b1, 6)));
        At(b1, 6).Job.RecipeHash.ShouldNotBe(At(b2, 6).Job.RecipeHash);
        using (var show = cli.Json("show", At(b2, 7).Job.Id, "--json"))
        {
            show.RootElement.GetProperty("stepKey").GetString().ShouldBe($"{_image}:stage-0:6");
        }

        // The step inputs and context digests were recorded.
        var copyMeta = DockerStepMeta.TryParse(At(b1, 2).Job.RecipeMeta)!;
        copyMeta.ContextSources.ShouldNotBeNull().Keys.ShouldBe(["data.txt"]);
        DockerStepMeta.TryParse(At(b2, 2).Job.RecipeMeta)!.ContextSources!["data.txt"].ShouldNotBe(copyMeta.ContextSources["data.txt"]);
        DockerStepMeta.TryParse(At(b1, 3).Job.RecipeMeta)!.Inputs.ShouldNotBeNull().ShouldContain(At(b1, 2).Job.RecipeHash!);

        // builds show: the critical path follows BuildKit's step graph through the RUN steps.
        using (var json = cli.Json("builds", "show", b1.Build.Id, "--json"))
        {
            JsonElement root = json.RootElement;
            root.GetProperty("criticalPathMethod").GetString()!.ShouldStartWith("stepGraph");
            var path = root.GetProperty("criticalPath").EnumerateArray().Select(e => e.GetString()).ToList();
            int[] lines = [2, 3, 5, 6, 7];
            var ids = lines.Select(l => At(b1, l).Job.Id).ToList();
            path.Where(id => ids.Contains(id!)).ShouldBe(ids, "COPY, then each RUN, in order");
            root.GetProperty("stats").GetProperty("cachedJobs").GetInt32().ShouldBe(b1.Jobs.Count(j => j.Job.Cached));
        }

        using (var json = cli.Json("builds", "show", b3.Build.Id, "--json"))
        {
            int cached = json.RootElement.GetProperty("stats").GetProperty("cachedJobs").GetInt32();
            cached.ShouldBe(b3.Jobs.Count(j => j.Job.Cached));
            cached.ShouldBeGreaterThanOrEqualTo(4, "COPY and three RUNs come from the cache");
        }

        // why, for each kind of change.
        string Reason(JobView job, out JsonDocument doc)
        {
            doc = cli.Json("why", job.Job.Id, "--json");
            return doc.RootElement.GetProperty("reason").GetString()!;
        }

        Reason(At(b2, 2), out var copyWhy).ShouldBe("context-changed");
        copyWhy.RootElement.GetProperty("previous").GetProperty("id").GetString().ShouldBe(At(b1, 2).Job.Id);
        copyWhy.RootElement.GetProperty("changes")[0].GetProperty("field").GetString().ShouldBe("context.data.txt");
        Reason(At(b2, 3), out var inputWhy).ShouldBe("input-changed");
        inputWhy.RootElement.GetProperty("ancestor").GetProperty("id").GetString().ShouldBe(At(b2, 2).Job.Id);
        JsonElement copied = inputWhy.RootElement.GetProperty("changes").EnumerateArray()
            .Single(c => c.GetProperty("field").GetString() == "input.context.data.txt");
        copied.GetProperty("before").GetString().ShouldBe(copyMeta.ContextSources["data.txt"], "what changed in the ancestor");
        Reason(At(b2, 5), out var argWhy).ShouldBe("build-arg-changed");
        JsonElement flavor = argWhy.RootElement.GetProperty("changes").EnumerateArray().Single(c => c.GetProperty("field").GetString() == "buildArgs.FLAVOR");
        flavor.GetProperty("before").GetString().ShouldBe("plain");
        flavor.GetProperty("after").GetString().ShouldBe("spicy");
        Reason(At(b2, 6), out var textWhy).ShouldBe("instruction-changed");
        JsonElement instruction = textWhy.RootElement.GetProperty("changes")[0];
        instruction.GetProperty("before").GetString().ShouldBe($"RUN echo \"edit me {_marker}\"");
        instruction.GetProperty("after").GetString().ShouldBe($"RUN echo \"edited {_marker}\"");
        Reason(At(b3, 3), out _).ShouldBe("cache-hit");
        Reason(At(b1, 3), out var first).ShouldBe("first-run");
        first.RootElement.GetProperty("previous").ValueKind.ShouldBe(JsonValueKind.Null);
        cli.Ok("why", At(b2, 3).Job.Id).ShouldContain($"reason    input-changed: an input step changed: {At(b2, 2).Job.Name}");

        // builds diff with the defaults compares build 3 with build 2; named, build 1 with build 2.
        string diff = cli.Ok("builds", "diff");
        diff.ShouldContain($"base  {b2.Build.Id}");
        diff.ShouldContain($"head  {b3.Build.Id}");
        diff.ShouldContain("now cached");
        using (var json = cli.Json("builds", "diff", b1.Build.Id, b2.Build.Id, "--json"))
        {
            var pairs = json.RootElement.GetProperty("jobs").EnumerateArray().ToList();
            JsonElement Pair(int line) => pairs.Single(p => p.GetProperty("head").ValueKind == JsonValueKind.Object
                && p.GetProperty("head").GetProperty("id").GetString() == At(b2, line).Job.Id);
            Pair(2).GetProperty("change").GetString().ShouldBe("changed", "the files it copies changed");
            Pair(3).GetProperty("change").GetString().ShouldBe("changed", "its input step changed");
            Pair(6).GetProperty("change").GetString().ShouldBe("changed");
            Pair(7).GetProperty("resultChanged").GetBoolean().ShouldBeTrue();
            pairs[0].GetProperty("head").GetProperty("id").GetString().ShouldBe(At(b2, 7).Job.Id, "failures first");
        }

        // logs --diff: the failing step against its last success, in build 1.
        string logDiff = cli.Ok("logs", "--diff", At(b3, 7).Job.Id);
        logDiff.ShouldContain($"--- job {At(b1, 7).Job.Id}");
        logDiff.ShouldContain($"+++ job {At(b3, 7).Job.Id}");
        logDiff.ShouldContain("-check ok");
        logDiff.ShouldContain("+check broken");

        // The extra line of the BJ5100 error.
        using (var store = SqliteJobStore.Open(new DataHome(_fx.Home)))
        {
            string hint = BriocheJob.History.FailureHistory.Hint(store, At(b2, 7).Job.Id).ShouldNotBeNull();
            hint.ShouldContain($"This step succeeded in build {b1.Build.Id} (job {At(b1, 7).Job.Id})");
            hint.ShouldContain("instruction-changed");
            hint.ShouldEndWith($"logs --diff {At(b2, 7).Job.Id}");
        }

        // Timeline: one row per job.
        string timeline = cli.Ok("builds", "timeline", b2.Build.Id, "--width", "100");
        timeline.Split('\n').Count(l => l.Contains('|') && !l.Contains("|0", StringComparison.Ordinal)).ShouldBe(b2.Jobs.Count);
    }
}
