using System.Text.Json;
using BriocheJob.Docker;
using BriocheJob.IntegrationTests.Docker;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.History;

/// <summary>
/// Issue 6 §5 on real engine builds: a RUN step whose outcome depends on something outside the build's inputs, so
/// the same vertex digest both succeeds and fails. The step reads a cache mount (<c>RUN --mount=type=cache</c>):
/// BuildKit digests the mount's id and target, never its contents. The first build finds the mount empty, leaves a
/// file in it and fails; BuildKit caches no failure, so the second build runs the step again, finds the file and
/// succeeds; the third, with <c>--no-cache</c> (which also empties cache mounts), fails again.
/// </summary>
public sealed class DockerFlakyTests : IDisposable
{
    private readonly DockerRecordingFixture _fx = new();
    private readonly string _image = "brioche-job-flaky-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _marker = DockerRecordingFixture.NewMarker("flaky");

    public void Dispose()
    {
        try { _fx.Client.RemoveImageAsync(_image).GetAwaiter().GetResult(); }
        catch (BriocheJobException) { }
        _fx.Dispose();
    }

    private async Task<BuildDetails> BuildAsync(bool noCache, bool succeeds)
    {
        _fx.WriteDockerfile($"""
            FROM busybox:local
            RUN echo "prepare {_marker}"
            RUN --mount=type=cache,target=/state,id={_marker} if [ ! -f /state/seen ]; then touch /state/seen; echo "nothing seen yet {_marker}" >&2; exit 5; fi; echo "seen before {_marker}"
            """);
        var spec = new DockerImageSpec(_image, _fx.Context, null) { NetworkMode = "none", NoCache = noCache };
        var (outcome, build, _) = await _fx.BuildAndRecordAsync(spec);
        outcome.Succeeded.ShouldBe(succeeds, outcome.Error);
        return build;
    }

    private static JobView At(BuildDetails build, int line) =>
        build.Jobs.Single(j => DockerStepMeta.TryParse(j.Job.RecipeMeta)?.Line == line);

    [Fact]
    public async Task The_same_vertex_digest_succeeding_and_failing_is_flaky_in_list_show_and_json()
    {
        BuildDetails red = await BuildAsync(noCache: false, succeeds: false);
        BuildDetails green = await BuildAsync(noCache: false, succeeds: true);
        BuildDetails again = await BuildAsync(noCache: true, succeeds: false);
        var cli = new HistoryCli(_fx.Home);

        JobView first = At(red, 3), passed = At(green, 3), failed = At(again, 3);
        first.Job.Result.ShouldBe(RunResult.Failed);
        passed.Job.Result.ShouldBe(RunResult.Succeeded);
        passed.Job.Cached.ShouldBeFalse("BuildKit caches no failure, so the step ran again");
        failed.Job.Result.ShouldBe(RunResult.Failed);
        failed.Job.Cached.ShouldBeFalse("--no-cache ran it again");
        failed.Job.RecipeHash.ShouldNotBeNull().ShouldStartWith("sha256:");
        first.Job.RecipeHash.ShouldBe(passed.Job.RecipeHash, "the same vertex digest: the cause is not the Dockerfile");
        failed.Job.RecipeHash.ShouldBe(passed.Job.RecipeHash);
        At(again, 2).Job.RecipeHash.ShouldBe(At(green, 2).Job.RecipeHash);
        At(again, 2).Job.Result.ShouldBe(RunResult.Succeeded);

        // list --flaky: exactly the three runs of the RUN step, most recent first (the other step always succeeded).
        using (var flaky = cli.Json("list", "--flaky", "--json"))
        {
            flaky.RootElement.EnumerateArray().Select(j => j.GetProperty("id").GetString())
                .ShouldBe([failed.Job.Id, passed.Job.Id, first.Job.Id]);
            flaky.RootElement.EnumerateArray().ShouldAllBe(j => j.GetProperty("flaky").GetBoolean());
        }

        string list = cli.Ok("list", "--flaky");
        list.ShouldContain(failed.Job.Id[..8]);
        list.ShouldContain(passed.Job.Id[..8]);
        list.ShouldContain(first.Job.Id[..8]);
        // Only those three rows (the other step's id may share a long prefix with a listed one: short ids grow to stay
        // unique in the whole store, so its prefix is no test).
        list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(4, list);

        // show: flaky, and when and in which build the identical step last succeeded.
        string show = cli.Ok("show", failed.Job.Id);
        show.ShouldContain("flaky     yes");
        show.ShouldContain("the identical recipe last succeeded ");
        show.ShouldContain($"in build {green.Build.Id} (job {passed.Job.Id})");
        using (var json = cli.Json("show", failed.Job.Id, "--json"))
        {
            json.RootElement.GetProperty("flaky").GetBoolean().ShouldBeTrue();
        }

        using (var json = cli.Json("show", At(again, 2).Job.Id, "--json"))
        {
            json.RootElement.GetProperty("flaky").GetBoolean().ShouldBeFalse();
        }

        // why has nothing to blame in the Dockerfile: same instruction, args, context and inputs.
        using (var why = cli.Json("why", failed.Job.Id, "--json"))
        {
            why.RootElement.GetProperty("reason").GetString().ShouldBe("unknown");
            why.RootElement.GetProperty("previous").GetProperty("id").GetString().ShouldBe(passed.Job.Id);
            why.RootElement.GetProperty("changes").GetArrayLength().ShouldBe(0);
        }

        // builds show --json marks it per job too.
        using (var json = cli.Json("builds", "show", again.Build.Id, "--json"))
        {
            JsonElement job = json.RootElement.GetProperty("jobs").EnumerateArray().Single(j => j.GetProperty("id").GetString() == failed.Job.Id);
            job.GetProperty("flaky").GetBoolean().ShouldBeTrue();
        }
    }
}
