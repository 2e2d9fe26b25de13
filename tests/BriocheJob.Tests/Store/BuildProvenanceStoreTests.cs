using BriocheJob.Store;
using Microsoft.Data.Sqlite;

namespace BriocheJob.Tests.Store;

/// <summary>Where a build ran, in the SQLite store: the v3 columns, rejoined builds, filters, and older databases.</summary>
public sealed class BuildProvenanceStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempHome _temp = new();

    public void Dispose() => _temp.Dispose();

    private static BuildProvenance On(string host, string? branch, string? ci = null) =>
        new(host, "builder", branch is null ? null : "0123456789abcdef0123456789abcdef01234567", branch,
            ci, ci is null ? null : "run-1", ci is null ? null : "https://ci.example.com/runs/1");

    [Fact]
    public void Every_provenance_field_round_trips_and_a_build_without_any_reads_null()
    {
        using SqliteJobStore store = _temp.Open();
        var where = On("agent-7", "feature/x", CiSystems.GitLab);

        BuildRecord begun = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, Provenance: where));
        BuildRecord bare = store.BeginBuild(new BuildRequest(BuildOrigin.Cli));

        begun.Provenance.ShouldBe(where);
        store.GetBuild(begun.Id)!.Build.Provenance.ShouldBe(where);
        store.QueryBuilds(10).Single(b => b.Build.Id == begun.Id).Build.Provenance.ShouldBe(where);
        bare.Provenance.ShouldBeNull();
    }

    [Fact]
    public void A_rejoined_build_keeps_the_first_nodes_values_and_fills_in_what_it_lacked()
    {
        using SqliteJobStore store = _temp.Open();
        BuildRecord first = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, "ci-9", Provenance: new BuildProvenance("node-a", "alice")));

        BuildRecord second = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, "ci-9",
            Provenance: new BuildProvenance("node-b", "bob", GitBranch: "main", CiSystem: CiSystems.Jenkins, CiRunId: "jenkins-app-3")));

        second.Id.ShouldBe(first.Id);
        second.Provenance.ShouldBe(new BuildProvenance("node-a", "alice", GitBranch: "main", CiSystem: CiSystems.Jenkins, CiRunId: "jenkins-app-3"));
    }

    [Fact]
    public void Builds_and_jobs_filter_by_host_in_any_case_and_by_exact_branch()
    {
        using SqliteJobStore store = _temp.Open();
        string Build(string host, string? branch, int minute)
        {
            BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: T0.AddMinutes(minute), Provenance: On(host, branch)));
            long project = store.AddProject(build.Id, new ProjectRequest(JobKind.Docker, "img-" + minute)).Id;
            store.SaveJob(new JobRecord(Ulid.NewUlid(T0.AddMinutes(minute)), project, JobKind.Docker, "RUN x", T0.AddMinutes(minute)));
            return build.Id;
        }

        string a = Build("Agent-1", "main", 1);
        string b = Build("agent-1", "feature/x", 2);
        string c = Build("agent-2", "main", 3);
        string d = Build("agent-2", null, 4);

        store.QueryBuilds(10, where: new BuildFilter(Host: "AGENT-1")).Select(s => s.Build.Id).ShouldBe([b, a]);
        store.QueryBuilds(10, where: new BuildFilter(Branch: "main")).Select(s => s.Build.Id).ShouldBe([c, a]);
        store.QueryBuilds(10, where: new BuildFilter("agent-2", "main")).Select(s => s.Build.Id).ShouldBe([c]);
        store.QueryBuilds(10, where: new BuildFilter(Branch: "Main")).ShouldBeEmpty();
        store.QueryBuilds(10).Count.ShouldBe(4);
        // The counts still line up behind the seven new columns.
        store.QueryBuilds(10, where: new BuildFilter(Host: "agent-2")).ShouldAllBe(s => s.ProjectCount == 1 && s.JobCount == 1);

        store.QueryJobs(new JobQuery(Where: new BuildFilter(Host: "agent-2"))).Select(j => j.Build!.Id).ShouldBe([d, c]);
        store.QueryJobs(new JobQuery(Where: new BuildFilter(Branch: "feature/x"))).ShouldHaveSingleItem().Build!.Id.ShouldBe(b);
    }

    [Fact]
    public void A_v2_database_gains_the_columns_and_its_builds_read_without_provenance()
    {
        Directory.CreateDirectory(_temp.Home.Root);
        using (var connection = new SqliteConnection($"Data Source={_temp.Home.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = SqliteSchema.Migrations.All[0].Sql + SqliteSchema.Migrations.All[1].Sql +
                "INSERT INTO builds (id, origin, started_at, state, result) VALUES ('B1', 'cli', 1000, 'finished', 'failed');" +
                "PRAGMA user_version = 2;";
            command.ExecuteNonQuery();
        }

        using SqliteJobStore store = _temp.Open();

        store.SchemaVersion.ShouldBe(SqliteSchema.CurrentVersion);
        store.GetBuild("B1")!.Build.Provenance.ShouldBeNull();
        BuildRecord added = store.BeginBuild(new BuildRequest(BuildOrigin.Cli, Provenance: On("h", "main")));
        store.QueryBuilds(10, where: new BuildFilter(Host: "h")).ShouldHaveSingleItem().Build.Id.ShouldBe(added.Id);
    }
}
