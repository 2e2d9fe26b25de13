using BriocheJob.History;
using BriocheJob.Store;
using BriocheJob.Tests.Brioche;

namespace BriocheJob.Tests.History;

/// <summary>The history algorithms on store data: step keys, the critical path, build diff, flaky lookups.</summary>
public sealed class HistoryAlgorithmTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDir _temp = new();
    private readonly SqliteJobStore _store;

    public HistoryAlgorithmTests() => _store = SqliteJobStore.Open(_temp.File("jobs.db"));

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    private static string DockerMeta(int step, string instruction, params string[] inputs) =>
        $"{{\"type\":\"docker_step\",\"stage\":\"stage-0\",\"step\":\"{step}/9\",\"instruction\":\"{instruction}\",\"keyword\":\"RUN\",\"argsInScope\":[],\"inputs\":[{string.Join(",", inputs.Select(i => $"\"{i}\""))}]}}";

    private static string BriocheMeta(int line) =>
        $"{{\"source\":[{{\"fileName\":\"file:///x/std/process.bri\",\"lineNumber\":3,\"columnNumber\":1,\"projectName\":\"std\",\"modulePath\":\"./process.bri\"}},{{\"fileName\":\"file:///src/app/project.bri\",\"lineNumber\":{line},\"columnNumber\":10,\"projectName\":\"app\",\"modulePath\":\"./project.bri\"}}]}}";

    private BuildDetails Build(DateTimeOffset start, JobKind kind, string project, params JobRecord[] jobs)
    {
        BuildRecord build = _store.BeginBuild(new BuildRequest(BuildOrigin.Cli, StartedAt: start));
        long id = _store.AddProject(build.Id, new ProjectRequest(kind, project)).Id;
        _store.SaveJobs(jobs.Select(j => j with { BuildProjectId = id }));
        _store.FinishBuild(build.Id, RunState.Finished, RunResult.Succeeded, jobs.Max(j => j.StoppedAt));
        return _store.GetBuild(build.Id)!;
    }

    private static JobRecord Job(string id, JobKind kind, DateTimeOffset start, int ms, string hash, string meta, RunResult result = RunResult.Succeeded, bool cached = false) =>
        new(id, null, kind, "job " + id, start, start.AddMilliseconds(ms), RunState.Finished, result, Cached: cached, RecipeHash: hash, RecipeMeta: meta);

    [Fact]
    public void Step_keys_take_the_stage_and_position_or_the_outermost_frame_in_the_project()
    {
        StepKeys.Compute(JobKind.Docker, "web", null, "x", DockerMeta(3, "RUN make")).ShouldBe("web:stage-0:3");
        StepKeys.Compute(JobKind.Docker, "web", null, "x", "{\"type\":\"docker_step\",\"stage\":\"builder\",\"step\":\"2/5\"}").ShouldBe("web:builder:2");
        StepKeys.Compute(JobKind.Docker, "web", null, "x", "{\"type\":\"docker_step\",\"vertex\":\"[internal] load build definition from Dockerfile\"}")
            .ShouldBe("web:vertex:[internal] load build definition from Dockerfile");
        StepKeys.Compute(JobKind.Brioche, "app", "/src/app", "/bin/sh -c make", BriocheMeta(7)).ShouldBe("app:app/project.bri:7:10");
        StepKeys.Compute(JobKind.Brioche, "app", "/src/app", "/bin/sh -c make", null).ShouldBe("app:cmd:/bin/sh -c make");
        StepKeys.Compute(JobKind.Brioche, "other", null, "/bin/sh -c make", BriocheMeta(7)).ShouldBe("other:cmd:/bin/sh -c make", "no frame lies in the project");
    }

    [Fact]
    public void A_builds_jobs_come_most_recent_first_sharing_its_records_with_their_stored_step_keys()
    {
        BuildDetails build = Build(T0, JobKind.Docker, "web",
            Job("01JA", JobKind.Docker, T0, 10, "h1", DockerMeta(1, "RUN a")),
            Job("01JC", JobKind.Docker, T0.AddSeconds(1), 10, "h3", DockerMeta(3, "RUN c", "h1")),
            Job("01JB", JobKind.Docker, T0.AddSeconds(1), 10, "h2", DockerMeta(2, "RUN b", "h1")),
            Job("01JD", JobKind.Docker, T0.AddSeconds(2), 10, "h4", "not json"));

        build.Jobs.Select(v => v.Job.Id).ShouldBe(["01JD", "01JC", "01JB", "01JA"], "started_at DESC, id DESC");
        build.Jobs.ShouldAllBe(v => ReferenceEquals(v.Build, build.Build) && ReferenceEquals(v.Project, build.Projects[0]));
        build.Jobs.Select(v => v.StoredStepKey).ShouldBe(["web:cmd:job 01JD", "web:stage-0:3", "web:stage-0:2", "web:stage-0:1"]);
        build.Jobs.ShouldAllBe(v => StepKeys.Of(v) == StepKeys.Of(v.Job, v.Project), "the stored key is the computed one");
        build.Jobs.ShouldAllBe(v => v.Job == _store.GetJob(v.Job.Id)!.Job, "the same record as a single lookup reads");
    }

    [Fact]
    public void Timing_critical_path_is_the_longest_chain_each_starting_after_the_previous_ended()
    {
        // a (0-100) then c (150-400); b (0-300) overlaps a and c, so a+c (350 ms) beats b alone (300 ms).
        BuildDetails build = Build(T0, JobKind.Brioche, "app",
            Job("01JD00000000000000000000A1", JobKind.Brioche, T0, 100, new string('a', 64), BriocheMeta(1)),
            Job("01JD00000000000000000000B1", JobKind.Brioche, T0, 300, new string('b', 64), BriocheMeta(2)),
            Job("01JD00000000000000000000C1", JobKind.Brioche, T0.AddMilliseconds(150), 250, new string('c', 64), BriocheMeta(3)));
        BuildAnalysis analysis = BuildAnalysis.Of(build);
        analysis.Method.ShouldBe(CriticalPathMethod.Timing);
        analysis.CriticalPath.Select(v => v.Job.Id).ShouldBe(["01JD00000000000000000000A1", "01JD00000000000000000000C1"]);
        analysis.Stats.ShouldBe(new BuildStats(400, 650, 1.62, 0, 3));
        analysis.OffsetMs(build.Jobs.Single(j => j.Job.Id.EndsWith("C1", StringComparison.Ordinal)).Job).ShouldBe(150);
    }

    [Fact]
    public void Step_graph_critical_path_follows_the_input_that_finished_last()
    {
        // d needs b and c; c (slow) finished after b, and c needs a.
        BuildDetails build = Build(T0, JobKind.Docker, "web",
            Job("01JD00000000000000000000A2", JobKind.Docker, T0, 50, "sha256:a", DockerMeta(1, "FROM x")),
            Job("01JD00000000000000000000B2", JobKind.Docker, T0.AddMilliseconds(60), 40, "sha256:b", DockerMeta(2, "RUN b", "sha256:a")),
            Job("01JD00000000000000000000C2", JobKind.Docker, T0.AddMilliseconds(60), 400, "sha256:c", DockerMeta(3, "RUN c", "sha256:a")),
            Job("01JD00000000000000000000D2", JobKind.Docker, T0.AddMilliseconds(470), 30, "sha256:d", DockerMeta(4, "RUN d", "sha256:b", "sha256:c")));
        BuildAnalysis analysis = BuildAnalysis.Of(build);
        analysis.Method.ShouldBe(CriticalPathMethod.StepGraph);
        analysis.CriticalPath.Select(v => v.Job.RecipeHash).ShouldBe(["sha256:a", "sha256:c", "sha256:d"]);
    }

    [Fact]
    public void Diff_matches_by_step_key_and_marks_added_removed_changed_and_downstream_changes()
    {
        BuildDetails before = Build(T0, JobKind.Docker, "web",
            Job("01JD00000000000000000000A3", JobKind.Docker, T0, 10, "sha256:a", DockerMeta(1, "FROM x")),
            Job("01JD00000000000000000000B3", JobKind.Docker, T0.AddMilliseconds(10), 10, "sha256:b", DockerMeta(2, "RUN one", "sha256:a")),
            Job("01JD00000000000000000000C3", JobKind.Docker, T0.AddMilliseconds(20), 10, "sha256:c", DockerMeta(3, "RUN two", "sha256:b")),
            Job("01JD00000000000000000000D3", JobKind.Docker, T0.AddMilliseconds(30), 10, "sha256:d", DockerMeta(4, "RUN gone", "sha256:c")));
        DateTimeOffset t1 = T0.AddHours(1);
        BuildDetails after = Build(t1, JobKind.Docker, "web",
            Job("01JD00000000000000000000A4", JobKind.Docker, t1, 10, "sha256:a", DockerMeta(1, "FROM x"), cached: true),
            Job("01JD00000000000000000000B4", JobKind.Docker, t1.AddMilliseconds(10), 25, "sha256:b2", DockerMeta(2, "RUN one!", "sha256:a")),
            // Same digest, but built on a changed input: changed too.
            Job("01JD00000000000000000000C4", JobKind.Docker, t1.AddMilliseconds(40), 10, "sha256:c", DockerMeta(3, "RUN two", "sha256:b2"), RunResult.Failed));
        _store.FindPreviousBuildSharingProject(after.Build.Id)!.Id.ShouldBe(before.Build.Id);

        BuildDiff diff = BuildDiff.Compare(before, after);
        diff.Pairs.Select(p => (p.Key, p.Change)).ShouldBe(
        [
            ("web:stage-0:3", StepChange.Changed),
            ("web:stage-0:1", StepChange.Same),
            ("web:stage-0:2", StepChange.Changed),
            ("web:stage-0:4", StepChange.Removed),
        ]);
        diff.Pairs[0].ResultChanged.ShouldBeTrue("failures first");
        diff.Pairs[1].CacheChanged.ShouldBeTrue();
        diff.Pairs[2].DurationDeltaMs.ShouldBe(15);
        diff.Pairs[3].Head.ShouldBeNull();
    }

    [Fact]
    public void Flaky_recipes_have_both_outcomes_and_the_previous_run_of_a_step_is_found_by_key()
    {
        string hash = new('f', 64);
        Build(T0, JobKind.Brioche, "app", Job("01JD00000000000000000000A5", JobKind.Brioche, T0, 10, hash, BriocheMeta(4)));
        BuildDetails second = Build(T0.AddHours(1), JobKind.Brioche, "app",
            Job("01JD00000000000000000000B5", JobKind.Brioche, T0.AddHours(1), 10, hash, BriocheMeta(4), RunResult.Failed),
            Job("01JD00000000000000000000C5", JobKind.Brioche, T0.AddHours(1), 10, new string('e', 64), BriocheMeta(6), RunResult.Failed));
        _store.FindFlakyRecipeHashes([hash, new string('e', 64)]).ShouldBe([hash]);
        _store.QueryJobs(new JobQuery(FlakyOnly: true)).Select(v => v.Job.Id).ShouldBe(["01JD00000000000000000000B5", "01JD00000000000000000000A5"]);
        JobView failed = second.Jobs.Single(j => j.Job.Id == "01JD00000000000000000000B5");
        _store.FindPreviousByStepKey(StepKeys.Of(failed)!, failed.Job, succeededOnly: true)!.Job.Id.ShouldBe("01JD00000000000000000000A5");
        JobView other = second.Jobs.Single(j => j.Job.Id == "01JD00000000000000000000C5");
        _store.FindPreviousByStepKey(StepKeys.Of(other)!, other.Job).ShouldBeNull();
        WhyExplainer.Explain(_store, other).Reason.ShouldBe(WhyReason.FirstRun);
    }

    [Fact]
    public void Why_names_the_changed_ancestor_even_when_its_digest_recurs_in_many_later_builds()
    {
        Build(T0, JobKind.Docker, "web",
            Job("01JE00000000000000000000A0", JobKind.Docker, T0, 10, "sha256:a", DockerMeta(1, "FROM x")),
            Job("01JE00000000000000000000B0", JobKind.Docker, T0.AddMilliseconds(10), 10, "sha256:b", DockerMeta(2, "RUN one", "sha256:a")),
            Job("01JE00000000000000000000C0", JobKind.Docker, T0.AddMilliseconds(20), 10, "sha256:c", DockerMeta(3, "RUN two", "sha256:b")));
        DateTimeOffset t1 = T0.AddHours(1);
        BuildDetails changed = Build(t1, JobKind.Docker, "web",
            Job("01JE00000000000000000000A1", JobKind.Docker, t1, 10, "sha256:a", DockerMeta(1, "FROM x"), cached: true),
            Job("01JE00000000000000000000B1", JobKind.Docker, t1.AddMilliseconds(10), 10, "sha256:b2", DockerMeta(2, "RUN one!", "sha256:a")),
            Job("01JE00000000000000000000C1", JobKind.Docker, t1.AddMilliseconds(20), 10, "sha256:c2", DockerMeta(3, "RUN two", "sha256:b2")));
        // Thirty later builds hit the cache for the changed step, so its digest's most recent runs are all theirs.
        for (int n = 0; n < 30; n++)
        {
            DateTimeOffset t = t1.AddHours(1 + n);
            Build(t, JobKind.Docker, "web",
                Job($"01JE{n + 10:D2}000000000000000000B2", JobKind.Docker, t, 10, "sha256:b2", DockerMeta(2, "RUN one!", "sha256:a"), cached: true));
        }

        JobView rebuilt = changed.Jobs.Single(j => j.Job.Id == "01JE00000000000000000000C1");
        WhyAnswer answer = WhyExplainer.Explain(_store, rebuilt);
        answer.Reason.ShouldBe(WhyReason.InputChanged);
        answer.Ancestor.ShouldNotBeNull().Job.Id.ShouldBe("01JE00000000000000000000B1");
        answer.Changes.ShouldContain(c => c.Field == "input.instruction" && c.Before == "RUN one" && c.After == "RUN one!");
    }
}
