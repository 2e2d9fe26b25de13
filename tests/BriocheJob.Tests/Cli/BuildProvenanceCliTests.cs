using System.Text.Json;
using BriocheJob.Store;

namespace BriocheJob.Tests.Cli;

/// <summary>Where builds ran, as <c>builds</c>, <c>builds show</c>, their JSON and the <c>--host</c>/<c>--branch</c> filters show it.</summary>
public sealed class BuildProvenanceCliTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private (string Ci, string Laptop) Seed()
    {
        using SqliteJobStore store = _cli.OpenStore();
        string Build(int minute, BuildProvenance where, string project)
        {
            BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: CliHarness.T0.AddMinutes(minute), Provenance: where));
            long id = store.AddProject(build.Id, new ProjectRequest(JobKind.Docker, project)).Id;
            store.SaveJob(new JobRecord(Ulid.NewUlid(CliHarness.T0.AddMinutes(minute)), id, JobKind.Docker, "RUN make",
                CliHarness.T0.AddMinutes(minute), CliHarness.T0.AddMinutes(minute).AddSeconds(1), RunState.Finished, RunResult.Failed, ExitCode: 1));
            store.FinishBuild(build.Id, RunState.Finished, RunResult.Failed, CliHarness.T0.AddMinutes(minute).AddSeconds(2));
            return build.Id;
        }

        string ci = Build(1, new BuildProvenance("ci-agent-3", "runner", Commit, "release/2.0", CiSystems.GitHubActions, "1658821493",
            "https://github.com/octo/app/actions/runs/1658821493"), "ci-image");
        string laptop = Build(2, new BuildProvenance("laptop", "me", null, null), "local-image");
        return (ci, laptop);
    }

    [Fact]
    public void Builds_shows_host_branch_and_commit_and_filters_on_them()
    {
        var (ci, laptop) = Seed();

        CliResult all = _cli.Run("builds");
        all.ExitCode.ShouldBe(0, all.Error);
        all.OutLines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .ShouldBe(["BUILD", "EXTERNAL", "ID", "ORIGIN", "HOST", "BRANCH", "COMMIT", "RESULT", "STARTED", "DURATION", "PROJECTS", "JOBS", "FAILED"]);
        string[] row = all.OutLines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        ci.ShouldStartWith(row[0]);
        row[1..].ShouldBe(["msbuild", "ci-agent-3", "release/2.0", "01234567", "failed", "03-01", "12:01", "2.0s", "1", "1", "1"]);

        CliResult onHost = _cli.Run("builds", "--host", "CI-AGENT-3");
        onHost.ExitCode.ShouldBe(0, onHost.Error);
        onHost.OutLines.Length.ShouldBe(2);
        onHost.Out.ShouldContain(ci[..8]);
        _cli.Run("builds", "--branch", "release/2.0", "--host", "laptop").OutLines.ShouldBe(["No builds match these filters."]);
        _cli.Run("builds", "--host", "laptop").Out.ShouldContain(laptop[..8]);
    }

    [Fact]
    public void Builds_show_and_json_carry_every_field()
    {
        var (ci, laptop) = Seed();

        CliResult show = _cli.Run("builds", "show", ci);
        show.ExitCode.ShouldBe(0, show.Error);
        show.OutLines.ShouldContain("ran on    ci-agent-3 as runner");
        show.OutLines.ShouldContain($"git       release/2.0 at {Commit}");
        show.OutLines.ShouldContain("ci        github-actions run 1658821493  https://github.com/octo/app/actions/runs/1658821493");
        CliResult local = _cli.Run("builds", "show", laptop);
        local.OutLines.ShouldContain("ran on    laptop as me");
        local.Out.ShouldNotContain("git  ");
        local.Out.ShouldNotContain("ci  ");

        CliResult json = _cli.Run("builds", "--json");
        json.ExitCode.ShouldBe(0, json.Error);
        using var doc = JsonDocument.Parse(json.Out);
        JsonElement first = doc.RootElement.EnumerateArray().Single(b => b.GetProperty("id").GetString() == ci);
        first.GetProperty("host").GetString().ShouldBe("ci-agent-3");
        first.GetProperty("user").GetString().ShouldBe("runner");
        first.GetProperty("gitCommit").GetString().ShouldBe(Commit);
        first.GetProperty("gitBranch").GetString().ShouldBe("release/2.0");
        first.GetProperty("ciSystem").GetString().ShouldBe("github-actions");
        first.GetProperty("ciRunId").GetString().ShouldBe("1658821493");
        first.GetProperty("ciRunUrl").GetString().ShouldBe("https://github.com/octo/app/actions/runs/1658821493");
        JsonElement second = doc.RootElement.EnumerateArray().Single(b => b.GetProperty("id").GetString() == laptop);
        second.GetProperty("gitBranch").ValueKind.ShouldBe(JsonValueKind.Null); // always present, null when unknown

        using var shown = JsonDocument.Parse(_cli.Run("builds", "show", ci, "--json").Out);
        shown.RootElement.GetProperty("build").GetProperty("ciRunUrl").GetString().ShouldStartWith("https://github.com/");
    }

    [Fact]
    public void List_filters_jobs_by_their_builds_host_and_branch()
    {
        Seed();

        CliResult onBranch = _cli.Run("list", "--branch", "release/2.0");
        onBranch.ExitCode.ShouldBe(0, onBranch.Error);
        onBranch.OutLines.Length.ShouldBe(2);
        onBranch.Out.ShouldContain("ci-image");
        onBranch.Out.ShouldNotContain("local-image");
        _cli.Run("list", "--host", "LAPTOP").Out.ShouldContain("local-image");
        _cli.Run("list", "--host", "nowhere").OutLines.ShouldBe(["No jobs match these filters."]);

        CliResult empty = _cli.Run("list", "--host", " ");
        empty.ExitCode.ShouldBe(2);
        empty.Error.ShouldContain("--host needs a value, not an empty string");
    }
}
