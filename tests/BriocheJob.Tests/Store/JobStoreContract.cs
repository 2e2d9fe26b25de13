using BriocheJob.Diagnostics;
using BriocheJob.Store;
using BriocheJob.TestSupport;

namespace BriocheJob.Tests.Store;

/// <summary>
/// The job store contract: the same inputs give the same answers in every store. Each test runs once against the
/// embedded SQLite store and once against the PostgreSQL test cluster (eng/postgres.sh).
/// </summary>
public abstract class JobStoreContract : IDisposable
{
    protected static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);

    protected abstract IJobStore OpenStore();

    /// <summary>The state column as stored (not as read through liveness).</summary>
    protected abstract string StoredState(string table, string id);

    public abstract void Dispose();

    [Fact]
    public void Jobs_round_trip_every_field_to_the_millisecond()
    {
        using IJobStore store = OpenStore();
        BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, WorkingDirectory: "/src", StartedAt: T0));
        ProjectRecord project = store.AddProject(build.Id, new ProjectRequest(JobKind.Brioche, "hello", "abc123", "/src/project.bri", "hello-reg"));
        var job = new JobRecord(
            "01JD0000000000000000000001", project.Id, JobKind.Brioche, "process", T0.AddMilliseconds(1),
            StoppedAt: T0.AddSeconds(3).AddTicks(4), State: RunState.Finished, Result: RunResult.Failed, ExitCode: 2,
            Signal: 9, Message: "process failed", Cached: true, RecipeHash: new string('a', 64),
            RecipeMeta: """{"a":1}""", Pid: 12345, OwnerPid: Environment.ProcessId, LocalPath: "/tmp/x");

        store.SaveJob(job);
        JobView view = store.GetJob(job.Id.ToLowerInvariant()).ShouldNotBeNull();

        view.Job.ShouldBe(job with { StoppedAt = T0.AddSeconds(3) });
        view.Project.ShouldBe(project);
        view.Build!.Id.ShouldBe(build.Id);
        view.Build.StartedAt.ShouldBe(T0);
        view.Build.WorkingDirectory.ShouldBe("/src");
        store.JobExists(job.Id).ShouldBeTrue();
        store.JobExists("01JD0000000000000000000009").ShouldBeFalse();
    }

    [Fact]
    public void SaveJob_updates_in_place_by_id()
    {
        using IJobStore store = OpenStore();
        var running = new JobRecord("J1", null, JobKind.Docker, "RUN make", T0);
        store.SaveJob(running);
        store.SaveJob(running with { State = RunState.Finished, Result = RunResult.Succeeded, StoppedAt = T0.AddSeconds(1) });

        JobView view = store.QueryJobs(new JobQuery()).ShouldHaveSingleItem();
        view.Job.Result.ShouldBe(RunResult.Succeeded);
        view.Job.State.ShouldBe(RunState.Finished);
        view.Job.OwnerPid.ShouldBe(Environment.ProcessId);
    }

    [Fact]
    public void Rejects_bad_records_without_writing_any_of_the_batch()
    {
        using IJobStore store = OpenStore();
        var good = new JobRecord("J1", null, JobKind.Docker, null, T0);

        Should.Throw<BriocheJobException>(() => store.SaveJobs([good, good with { Id = "../x" }]))
            .Code.ShouldBe(Catalog.Store.InvalidId);
        Should.Throw<BriocheJobException>(() => store.SaveJobs([good, good with { Id = "J2", BuildProjectId = 999 }]))
            .Code.ShouldBe(Catalog.Store.UnknownReference);
        Should.Throw<BriocheJobException>(() => store.SaveJob(good with { StoppedAt = T0.AddSeconds(-1) }))
            .Code.ShouldBe(Catalog.Store.InvalidRecord);
        Should.Throw<BriocheJobException>(() => store.AddProject("nope", new ProjectRequest(JobKind.Docker)))
            .Code.ShouldBe(Catalog.Store.UnknownReference);

        store.JobExists("J1").ShouldBeFalse();
    }

    [Fact]
    public void External_build_id_reuses_the_build_and_failure_sticks()
    {
        using IJobStore store = OpenStore();
        BuildRecord first = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "ci-77", StartedAt: T0));
        ProjectRecord web = store.AddProject(first.Id, new ProjectRequest(JobKind.Docker, "web", LocalProjectPath: "/a/Web.csproj"));
        store.FinishBuild(first.Id, RunState.Finished, RunResult.Failed, T0.AddSeconds(5));

        BuildRecord second = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "ci-77", StartedAt: T0.AddMinutes(1)));
        second.Id.ShouldBe(first.Id);
        second.StartedAt.ShouldBe(T0);
        second.State.ShouldBe(RunState.Running);
        ProjectRecord again = store.AddProject(second.Id, new ProjectRequest(JobKind.Docker, "web", LocalProjectPath: "/a/Web.csproj"));
        again.Id.ShouldBe(web.Id);
        store.AddProject(second.Id, new ProjectRequest(JobKind.Docker, "api")).Id.ShouldNotBe(web.Id);
        BuildRecord finished = store.FinishBuild(second.Id, RunState.Finished, RunResult.Succeeded, T0.AddSeconds(3));

        finished.Result.ShouldBe(RunResult.Failed);
        finished.StoppedAt.ShouldBe(T0.AddSeconds(5));
        store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "ci-78")).Id.ShouldNotBe(first.Id);
        store.GetBuild("ci-77")!.Projects.Count.ShouldBe(2);
        store.QueryBuilds(10).Count.ShouldBe(2);
    }

    [Fact]
    public void A_running_job_whose_recorder_died_reads_as_interrupted_and_can_be_persisted()
    {
        int deadPid = SqliteJobStoreTests.StartAndReap();
        using IJobStore store = OpenStore();
        BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.Cli, OwnerPid: deadPid));
        ProjectRecord project = store.AddProject(build.Id, new ProjectRequest(JobKind.Brioche));
        store.SaveJob(new JobRecord("DEAD", project.Id, JobKind.Brioche, null, T0, Pid: deadPid, OwnerPid: deadPid));
        store.SaveJob(new JobRecord("ALIVE", project.Id, JobKind.Brioche, null, T0));
        store.SaveJob(new JobRecord("ORPHAN", null, JobKind.Brioche, null, T0, Pid: deadPid, OwnerPid: null));

        store.GetJob("DEAD")!.Job.State.ShouldBe(RunState.Interrupted);
        store.GetJob("DEAD")!.Build!.State.ShouldBe(RunState.Interrupted);
        store.GetJob("ALIVE")!.Job.State.ShouldBe(RunState.Running);

        store.MarkInterrupted().ShouldBe(2); // the DEAD job and its build
        store.MarkInterrupted().ShouldBe(0);
        StoredState("jobs", "DEAD").ShouldBe("interrupted");
        StoredState("jobs", "ALIVE").ShouldBe("running");
        StoredState("builds", build.Id).ShouldBe("interrupted");
    }

    [Fact]
    public void Queries_filter_and_page_most_recent_first()
    {
        using IJobStore store = OpenStore();
        BuildRecord b1 = store.BeginBuild(new BuildRequest(BuildOrigin.Cli));
        BuildRecord b2 = store.BeginBuild(new BuildRequest(BuildOrigin.Cli));
        ProjectRecord web = store.AddProject(b1.Id, new ProjectRequest(JobKind.Docker, "WebApp"));
        ProjectRecord bri = store.AddProject(b2.Id, new ProjectRequest(JobKind.Brioche, LocalProjectPath: "/x/hello/project.bri"));
        for (int i = 0; i < 10; i++)
        {
            store.SaveJob(new JobRecord($"J{i}", i % 2 == 0 ? web.Id : bri.Id, i % 2 == 0 ? JobKind.Docker : JobKind.Brioche,
                null, T0.AddSeconds(i), State: RunState.Finished, Result: i % 3 == 0 ? RunResult.Failed : RunResult.Succeeded));
        }

        Ids(store.QueryJobs(new JobQuery(Limit: 3))).ShouldBe(["J9", "J8", "J7"]);
        Ids(store.QueryJobs(new JobQuery(Limit: 3, Offset: 8))).ShouldBe(["J1", "J0"]);
        Ids(store.QueryJobs(new JobQuery(FailedOnly: true))).ShouldBe(["J9", "J6", "J3", "J0"]);
        Ids(store.QueryJobs(new JobQuery(Project: "webapp", FailedOnly: true))).ShouldBe(["J6", "J0"]);
        Ids(store.QueryJobs(new JobQuery(Project: "HELLO", Limit: 2))).ShouldBe(["J9", "J7"]);
        Ids(store.QueryJobs(new JobQuery(Kind: JobKind.Brioche, Limit: 2))).ShouldBe(["J9", "J7"]);
        Ids(store.QueryJobs(new JobQuery(BuildId: b1.Id.ToLowerInvariant(), Limit: 2))).ShouldBe(["J8", "J6"]);
        store.GetBuild(b1.Id)!.Jobs.Count.ShouldBe(5);
        store.QueryBuilds(1).ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            s => s.Build.Id.ShouldBe(b2.Id),
            s => s.JobCount.ShouldBe(5),
            s => s.FailedJobCount.ShouldBe(2),
            s => s.ProjectCount.ShouldBe(1));
        store.FindBuildsByIdPrefix(b1.Id[..20].ToLowerInvariant(), 5).ShouldContain(b => b.Id == b1.Id);
    }

    [Fact]
    public void Prefix_lookups_are_case_insensitive_and_exact_about_the_prefix()
    {
        using IJobStore store = OpenStore();
        string hashA = "abcdef01" + new string('1', 56);
        string hashB = "abcdef02" + new string('2', 56);
        store.SaveJobs(
        [
            new JobRecord("01JDAAAA000000000000000001", null, JobKind.Brioche, null, T0, RecipeHash: hashA, Pid: 50),
            new JobRecord("01JDAAAA000000000000000002", null, JobKind.Brioche, null, T0.AddSeconds(1), RecipeHash: hashA, Pid: 50),
            new JobRecord("01JDAAAB000000000000000003", null, JobKind.Brioche, null, T0.AddSeconds(2), RecipeHash: hashB, Pid: 51),
        ]);

        Ids(store.FindJobsByIdPrefix("01jdaaaa", 10)).ShouldBe(["01JDAAAA000000000000000002", "01JDAAAA000000000000000001"]);
        Ids(store.FindJobsByIdPrefix("01JDAAAB", 10)).ShouldBe(["01JDAAAB000000000000000003"]);
        store.FindJobsByIdPrefix("01JDAAAC", 10).ShouldBeEmpty();
        Ids(store.FindJobsByRecipeHashPrefix("ABCDEF01", 10)).ShouldBe(["01JDAAAA000000000000000002"]);
        Ids(store.FindJobsByRecipeHashPrefix("abcdef0", 10)).ShouldBe(["01JDAAAB000000000000000003", "01JDAAAA000000000000000002"]);
        Ids(store.FindJobsByPid(50, 1)).ShouldBe(["01JDAAAA000000000000000002"]);

        // The whole selector at once gives the same answers as the lookups one by one.
        SelectorMatches all = store.FindSelectorMatches(new SelectorLookup("abcdef0", 50, RecipePrefix: true, Max: 10));
        all.Exact.ShouldBeNull();
        all.ById.ShouldBeEmpty();
        Ids(all.ByPid).ShouldBe(["01JDAAAA000000000000000002"]);
        Ids(all.ByRecipe).ShouldBe(["01JDAAAB000000000000000003", "01JDAAAA000000000000000002"]);
        SelectorMatches prefix = store.FindSelectorMatches(new SelectorLookup("01jdaaa", null, RecipePrefix: false, Max: 2));
        Ids(prefix.ById).ShouldBe(["01JDAAAB000000000000000003", "01JDAAAA000000000000000002"]);
        prefix.ByPid.ShouldBeEmpty();
        prefix.ByRecipe.ShouldBeEmpty();
        SelectorMatches whole = store.FindSelectorMatches(new SelectorLookup("01jdaaaa000000000000000001", null, false, 10));
        whole.Exact.ShouldNotBeNull().Job.Id.ShouldBe("01JDAAAA000000000000000001");
        store.FindSelectorMatches(new SelectorLookup("zz", null, false, 10)).ById.ShouldBeEmpty();
    }

    [Fact]
    public void Ids_keep_the_case_they_were_saved_in_and_match_in_any_case()
    {
        using IJobStore store = OpenStore();
        store.SaveJob(new JobRecord("MiXeD01", null, JobKind.Docker, null, T0));
        store.SaveJob(new JobRecord("mixed01", null, JobKind.Docker, "second save", T0));

        JobView view = store.QueryJobs(new JobQuery()).ShouldHaveSingleItem();
        view.Job.Id.ShouldBe("MiXeD01");
        view.Job.Name.ShouldBe("second save");
        store.GetJob("MIXED01")!.Job.Id.ShouldBe("MiXeD01");
        Ids(store.FindJobsByIdPrefix("mix", 5)).ShouldBe(["MiXeD01"]);
    }

    [Fact]
    public void Concurrent_recorders_of_one_external_build_share_one_build_and_one_project()
    {
        using IJobStore store = OpenStore();
        var builds = new System.Collections.Concurrent.ConcurrentBag<(string Build, long Project)>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "ci-shared", OwnerPid: Environment.ProcessId));
            ProjectRecord project = store.AddProject(build.Id, new ProjectRequest(JobKind.Docker, "web"));
            store.SaveJob(new JobRecord($"P{i}", project.Id, JobKind.Docker, null, T0.AddSeconds(i)));
            builds.Add((build.Id, project.Id));
        });

        builds.Select(b => b.Build).Distinct().ShouldHaveSingleItem();
        builds.Select(b => b.Project).Distinct().ShouldHaveSingleItem();
        store.GetBuild("ci-shared")!.Jobs.Count.ShouldBe(8);
    }

    protected static string[] Ids(IEnumerable<JobView> views) => views.Select(v => v.Job.Id).ToArray();

    [Fact]
    public void Provenance_round_trips_and_filters_builds_and_jobs_by_host_any_case_and_branch_exactly()
    {
        using IJobStore store = OpenStore();
        var here = new BuildProvenance("Agent-7", "ci", new string('c', 40), "main", CiSystems.GitHubActions, "42", "https://ci/42");
        BuildRecord a = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: T0, Provenance: here));
        BuildRecord b = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: T0.AddSeconds(1),
            Provenance: new BuildProvenance("other", GitBranch: "Main")));
        ProjectRecord pa = store.AddProject(a.Id, new ProjectRequest(JobKind.Docker, "img"));
        ProjectRecord pb = store.AddProject(b.Id, new ProjectRequest(JobKind.Docker, "img"));
        store.SaveJobs([new JobRecord("JA", pa.Id, JobKind.Docker, "RUN a", T0), new JobRecord("JB", pb.Id, JobKind.Docker, "RUN b", T0.AddSeconds(1))]);

        store.GetBuild(a.Id).ShouldNotBeNull().Build.Provenance.ShouldBe(here);
        store.QueryBuilds(10, 0, new BuildFilter(Host: "AGENT-7")).Select(s => s.Build.Id).ShouldBe([a.Id]);
        store.QueryBuilds(10, 0, new BuildFilter(Branch: "main")).Select(s => s.Build.Id).ShouldBe([a.Id]);
        store.QueryBuilds(10, 0, new BuildFilter(Branch: "MAIN")).ShouldBeEmpty();
        store.QueryBuilds(10).Count.ShouldBe(2);
        store.QueryJobs(new JobQuery(Where: new BuildFilter(Host: "agent-7"))).Select(v => v.Job.Id).ShouldBe(["JA"]);
        store.QueryJobs(new JobQuery(Where: new BuildFilter(Branch: "Main"))).Select(v => v.Job.Id).ShouldBe(["JB"]);
    }

    [Fact]
    public void A_job_stays_with_its_first_build_and_the_previous_run_of_a_step_is_found_in_another_build()
    {
        using IJobStore store = OpenStore();
        string hash = new('d', 64);
        BuildRecord first = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: T0));
        BuildRecord second = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: T0.AddMinutes(1)));
        ProjectRecord p1 = store.AddProject(first.Id, new ProjectRequest(JobKind.Docker, "img"));
        ProjectRecord p2 = store.AddProject(second.Id, new ProjectRequest(JobKind.Docker, "img"));
        var old = new JobRecord("J1", p1.Id, JobKind.Docker, "RUN make", T0, T0.AddSeconds(1), RunState.Finished,
            RunResult.Succeeded, RecipeHash: hash);
        var now = new JobRecord("J2", p2.Id, JobKind.Docker, "RUN make", T0.AddMinutes(1), T0.AddMinutes(2), RunState.Finished,
            RunResult.Failed, RecipeHash: hash);
        store.SaveJobs([old, now]);
        store.SaveJob(old with { BuildProjectId = p2.Id, Name = "moved" });

        JobView kept = store.GetJob("J1").ShouldNotBeNull();
        kept.Project!.BuildId.ShouldBe(first.Id);
        kept.Job.Name.ShouldBe("RUN make");
        string key = StepKeys.Of(store.GetJob("J2")!).ShouldNotBeNull();
        store.FindPreviousByStepKey(key, now).ShouldNotBeNull().Job.Id.ShouldBe("J1");
        store.FindPreviousByStepKey(key, old).ShouldBeNull();
        store.FindJobsByRecipeHash(hash.ToUpperInvariant(), RunResult.Failed, 5).Select(v => v.Job.Id).ShouldBe(["J2"]);
        store.FindFlakyRecipeHashes([hash]).ShouldBe([hash]);
        store.QueryJobs(new JobQuery(FlakyOnly: true)).Select(v => v.Job.Id).ShouldBe(["J2", "J1"]);
        store.FindPreviousBuildSharingProject(second.Id).ShouldNotBeNull().Id.ShouldBe(first.Id);
        store.DiscardIfEmpty(second.Id).ShouldBeFalse();
    }
}

public sealed class SqliteStoreContractTests : JobStoreContract
{
    private readonly TempHome _temp = new();

    protected override IJobStore OpenStore() => _temp.Open();

    protected override string StoredState(string table, string id)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_temp.Home.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT state FROM {table} WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return (string)command.ExecuteScalar()!;
    }

    public override void Dispose() => _temp.Dispose();
}

public sealed class PostgresStoreContractTests : JobStoreContract
{
    private readonly TestSchema _schema = new();

    protected override IJobStore OpenStore() => _schema.Open();

    protected override string StoredState(string table, string id) =>
        (string)_schema.Scalar($"SELECT state FROM {table} WHERE id = '{id}'")!;

    public override void Dispose() => _schema.Dispose();

}
