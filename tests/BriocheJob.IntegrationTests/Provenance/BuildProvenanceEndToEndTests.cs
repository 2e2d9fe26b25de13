using System.Text.Json;
using BriocheJob.IntegrationTests.Docker;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Provenance;

/// <summary>
/// A real <c>dotnet build</c> with a <c>DockerImage</c>, in a git repository made in a temp folder, under the variables
/// GitHub Actions sets: the recorded build names this host and user, the repository's commit and branch, and the run.
/// </summary>
public sealed class BuildProvenanceEndToEndTests : IDisposable
{
    private readonly TempDirectory _temp = new("bj-e2e-provenance-");
    private readonly string _image = "brioche-job-provenance-" + Guid.NewGuid().ToString("N")[..10];

    public void Dispose()
    {
        using (var client = global::BriocheJob.Docker.DockerEngineClient.Create())
        {
            try { client.RemoveImageAsync(_image).GetAwaiter().GetResult(); }
            catch (BriocheJobException) { }
        }

        _temp.Dispose();
    }

    private async Task<string> GitAsync(string directory, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("git",
            ["-c", "user.name=Provenance Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", .. arguments],
            new ProcessRunOptions { WorkingDirectory = directory, Timeout = TimeSpan.FromMinutes(1) });
        result.ExitCode.ShouldBe(0, result.Describe());
        return result.Stdout.Trim();
    }

    [Fact]
    public async Task A_recorded_build_names_its_host_user_git_checkout_and_ci_run_and_can_be_found_by_them()
    {
        var repository = _temp.CreateDirectory("repo");
        var branch = "feature/provenance-" + Guid.NewGuid().ToString("N")[..6];
        _temp.WriteFile("repo/app/docker/Dockerfile", $"""
            FROM {DockerRecordingFixture.BaseImage}
            RUN echo provenance
            """);
        var home = _temp.Combine("home");
        var project = new GeneratedProject()
            .Property("BriocheJobHome", home)
            .Item("DockerImage", _image, new Dictionary<string, string> { ["Context"] = "docker", ["NetworkMode"] = "none" })
            .WriteTo(_temp.Combine("repo", "app"));
        await GitAsync(repository, "init", "-q");
        await GitAsync(repository, "checkout", "-q", "-b", branch);
        await GitAsync(repository, "add", ".");
        await GitAsync(repository, "commit", "-q", "-m", "the build under test");
        var commit = await GitAsync(repository, "rev-parse", "HEAD");

        var ci = new Dictionary<string, string?>
        {
            ["GITHUB_ACTIONS"] = "true",
            ["GITHUB_RUN_ID"] = "987654321",
            ["GITHUB_RUN_ATTEMPT"] = "2",
            ["GITHUB_SERVER_URL"] = "https://github.com",
            ["GITHUB_REPOSITORY"] = "octo/provenance",
            ["GITHUB_REF"] = "refs/heads/ci-says-this-branch",
            ["GITHUB_SHA"] = new string('f', 40),
            // Nothing from the machine running the tests may decide which CI this is.
            ["GITLAB_CI"] = null,
            ["TF_BUILD"] = null,
            ["BUILDKITE"] = null,
            ["JENKINS_URL"] = null,
            ["BUILD_TAG"] = null,
            ["GITHUB_HEAD_REF"] = null,
        };
        var build = await DotnetCli.BuildAsync(project, ci);
        build.ExitCode.ShouldBe(0, build.Describe());

        var show = await DotnetCli.BriocheJobAsync(home, ["builds", "show", "--json"]);
        show.ExitCode.ShouldBe(0, show.Describe());
        using var document = JsonDocument.Parse(show.Stdout);
        var recorded = document.RootElement.GetProperty("build");
        recorded.GetProperty("host").GetString().ShouldBe(Environment.MachineName);
        recorded.GetProperty("user").GetString().ShouldBe(Environment.UserName);
        // The checkout wins over the CI's variables: it is what was built.
        recorded.GetProperty("gitCommit").GetString().ShouldBe(commit);
        recorded.GetProperty("gitBranch").GetString().ShouldBe(branch);
        recorded.GetProperty("ciSystem").GetString().ShouldBe(CiSystems.GitHubActions);
        recorded.GetProperty("ciRunId").GetString().ShouldBe("987654321");
        recorded.GetProperty("ciRunUrl").GetString().ShouldBe("https://github.com/octo/provenance/actions/runs/987654321/attempts/2");

        var text = await DotnetCli.BriocheJobAsync(home, ["builds", "show"]);
        text.Stdout.ShouldContain($"git       {branch} at {commit}");
        var byBranch = await DotnetCli.BriocheJobAsync(home, ["builds", "--branch", branch, "--host", Environment.MachineName.ToUpperInvariant()]);
        byBranch.ExitCode.ShouldBe(0, byBranch.Describe());
        byBranch.Stdout.ShouldContain(commit[..8]);
        var jobs = await DotnetCli.BriocheJobAsync(home, ["list", "--branch", branch, "--json"]);
        jobs.ExitCode.ShouldBe(0, jobs.Describe());
        using var list = JsonDocument.Parse(jobs.Stdout);
        list.RootElement.GetArrayLength().ShouldBeGreaterThan(0);
        var none = await DotnetCli.BriocheJobAsync(home, ["list", "--branch", "main"]);
        none.Stdout.Trim().ShouldBe("No jobs match these filters.");
    }
}
