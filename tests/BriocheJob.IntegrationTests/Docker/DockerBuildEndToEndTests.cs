using System.Text.RegularExpressions;
using BriocheJob.DebugShells;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Docker;

/// <summary>
/// One real <c>dotnet build</c> of a generated project that imports the real targets with a <c>&lt;DockerImage&gt;</c>
/// whose Dockerfile sets ENV and WORKDIR and then fails in a RUN, on the real engine. Shared by the tests below.
/// </summary>
public sealed class FailingDockerBuildFixture : IAsyncLifetime
{
    public const int FailingLine = 6;

    public TempDirectory Temp { get; } = new("bj-e2e-docker-");

    public string Home => Temp.Combine("brioche-job-home");

    public string Dockerfile => Temp.Combine("app", "docker", "Dockerfile");

    public string Marker { get; } = DockerRecordingFixture.NewMarker("bj-e2e");

    public string EnvValue { get; } = "env-" + Guid.NewGuid().ToString("N")[..10];

    public string BuildId { get; } = "e2e-docker-" + Guid.NewGuid().ToString("N");

    public string ImageName { get; } = "brioche-job-e2e-" + Guid.NewGuid().ToString("N")[..10];

    public ProcessResult Build { get; private set; } = null!;

    public BuildDetails? Recorded { get; private set; }

    public JobRecord? FailedJob { get; private set; }

    public async Task InitializeAsync()
    {
        Temp.WriteFile("app/docker/Dockerfile", $"""
            FROM busybox:local
            ENV FOO={EnvValue}
            WORKDIR /srv/e2e
            RUN echo "preparing" > prepared.txt
            COPY input.txt /srv/e2e/input.txt
            RUN echo "{Marker}" >&2 && cat input.txt && \
                exit 42
            """);
        Temp.WriteFile("app/docker/input.txt", "input-file\n");
        var project = new GeneratedProject()
            .Property("BriocheJobHome", Home)
            .Property("BriocheJobBuildId", BuildId)
            .Item("DockerImage", ImageName, new Dictionary<string, string>
            {
                ["Context"] = "docker",
                ["Dockerfile"] = "docker/Dockerfile",
                ["NetworkMode"] = "none",
            })
            .WriteTo(Temp.Combine("app"));

        Build = await DotnetCli.BuildAsync(project);

        if (File.Exists(Path.Combine(Home, DataHome.DatabaseFileName)))
        {
            using var store = SqliteJobStore.Open(new DataHome(Home));
            Recorded = store.GetBuild(BuildId);
            FailedJob = Recorded?.Jobs.Select(j => j.Job).FirstOrDefault(j => j.Result == RunResult.Failed);
        }
    }

    public Task DisposeAsync()
    {
        Temp.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class DockerBuildEndToEndTests(FailingDockerBuildFixture fixture) : IClassFixture<FailingDockerBuildFixture>
{
    private ProcessResult Build => fixture.Build;

    private JobRecord FailedJob => fixture.FailedJob.ShouldNotBeNull($"no failed job recorded\n{Build.Describe()}");

    [Fact]
    public void Dotnet_build_fails_with_a_coded_error_at_the_dockerfile_line_naming_job_and_logs_command()
    {
        Build.ExitCode.ShouldNotBe(0, Build.Describe());
        var job = FailedJob;
        var errorLine = Build.Stdout.Split('\n').FirstOrDefault(l => l.Contains("error " + Catalog.DockerBuild.StepFailed));
        errorLine.ShouldNotBeNull(Build.Describe());
        Regex.Replace(errorLine, @"^\s*\d+>", "").ShouldStartWith($"{fixture.Dockerfile}({FailingDockerBuildFixture.FailingLine})");
        errorLine.ShouldContain("failed with exit code 42");
        errorLine.ShouldContain($"(job {job.Id})");
        Build.Stdout.ShouldContain(fixture.Marker); // among the last log lines in the error
        Build.Stdout.ShouldContain($"dotnet brioche-job logs {job.Id}");
        // Progress: each step shows as it starts or hits the cache.
        Build.Stdout.ShouldMatch(Regex.Escape(fixture.ImageName) + @": (CACHED )?\[3/5\] RUN echo ""preparing""");
    }

    [Fact]
    public void The_build_its_image_and_every_step_are_recorded()
    {
        var recorded = fixture.Recorded.ShouldNotBeNull(Build.Describe());
        recorded.Build.Origin.ShouldBe(BuildOrigin.MsBuild);
        recorded.Build.Result.ShouldBe(RunResult.Failed);
        recorded.Projects.ShouldHaveSingleItem().Name.ShouldBe(fixture.ImageName);
        recorded.Jobs.ShouldNotContain(j => j.Job.State == RunState.Running);
        var job = FailedJob;
        job.Kind.ShouldBe(JobKind.Docker);
        job.ExitCode.ShouldBe(42);
        var meta = DockerStepMeta.TryParse(job.RecipeMeta).ShouldNotBeNull();
        meta.Line.ShouldBe(FailingDockerBuildFixture.FailingLine);
        meta.Dockerfile.ShouldBe(fixture.Dockerfile);
    }

    [Fact]
    public async Task List_show_and_logs_find_the_failed_step()
    {
        var job = FailedJob;
        var list = await DotnetCli.BriocheJobAsync(fixture.Home, ["list", "--failed", "--kind", "docker", "--json"]);
        list.ExitCode.ShouldBe(0, list.Describe());
        list.Stdout.ShouldContain($"\"id\":\"{job.Id}\"");
        list.Stdout.ShouldContain(fixture.ImageName);

        var show = await DotnetCli.BriocheJobAsync(fixture.Home, ["show"]);
        show.ExitCode.ShouldBe(0, show.Describe());
        show.Stdout.ShouldContain(job.Id);
        show.Stdout.ShouldContain("exit code 42");

        var logs = await DotnetCli.BriocheJobAsync(fixture.Home, ["logs", job.Id]);
        logs.ExitCode.ShouldBe(0, logs.Describe());
        logs.Stdout.ShouldContain(fixture.Marker);
        logs.Stdout.ShouldContain("input-file");
    }

    [Fact]
    public async Task Debug_shell_runs_a_command_with_the_steps_env_and_workdir_and_removes_its_image()
    {
        var job = FailedJob;

        var shell = await DotnetCli.BriocheJobAsync(fixture.Home, ["debug-shell", job.Id, "--", "sh", "-c", "echo $FOO; pwd; cat prepared.input 2>/dev/null; ls"]);

        shell.ExitCode.ShouldBe(0, shell.Describe());
        var lines = shell.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe(fixture.EnvValue);
        lines[1].ShouldBe("/srv/e2e");
        lines.ShouldContain("input.txt"); // COPY before the failed RUN is in the image
        shell.Stderr.ShouldContain("command: /bin/sh -c echo"); // the failed command comes first
        var tag = global::BriocheJob.DebugShells.DockerDebugShellPlan.ImageTagFor(job.Id);
        shell.Stderr.ShouldContain(tag);
        using var client = global::BriocheJob.Docker.DockerEngineClient.Create();
        (await client.InspectImageAsync(tag)).ShouldBeNull();

        var failing = await DotnetCli.BriocheJobAsync(fixture.Home, ["debug-shell", job.Id, "--", "sh", "-c", "exit 42"]);
        failing.ExitCode.ShouldBe(42, failing.Describe());
    }
}
