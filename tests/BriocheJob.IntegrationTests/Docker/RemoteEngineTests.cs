using System.Text.RegularExpressions;
using BriocheJob.Brioche;
using BriocheJob.DebugShells;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Docker;

/// <summary>
/// One real <c>dotnet build</c> against a remote engine (TCP, TLS, or a Docker context), with two images: a base
/// image that succeeds, then an app image built <c>FROM</c> it that fails in a RUN. The base image exists only on
/// the remote engine, so the app build, and every debug-shell rebuild of it, can only succeed there.
/// </summary>
public abstract class RemoteEngineBuildFixture(RemoteEngineMode mode) : IAsyncLifetime
{
    public const int FailingLine = 5;

    public TempDirectory Temp { get; } = new("bj-e2e-remote-");

    public RemoteEngine Engine { get; private set; } = null!;

    public DockerEngineClient Client { get; private set; } = null!;

    public string Home => Temp.Combine("brioche-job-home");

    public string Marker { get; } = DockerRecordingFixture.NewMarker("bj-remote");

    public string EnvValue { get; } = "env-" + Guid.NewGuid().ToString("N")[..10];

    public string BuildId { get; } = "e2e-remote-" + Guid.NewGuid().ToString("N");

    /// <summary>The first image, tagged on the remote engine only.</summary>
    public string BaseName { get; } = "brioche-job-remote-base-" + Guid.NewGuid().ToString("N")[..10];

    public string AppName { get; } = "brioche-job-remote-app-" + Guid.NewGuid().ToString("N")[..10];

    public string AppDockerfile => Temp.Combine("app", "app", "Dockerfile");

    public ProcessResult Build { get; private set; } = null!;

    public BuildDetails? Recorded { get; private set; }

    public async Task InitializeAsync()
    {
        Engine = await RemoteEngine.StartAsync(mode);
        Client = Engine.CreateClient();
        await Engine.RequireReadyAsync(Client);

        Temp.WriteFile("app/base/Dockerfile", $"""
            FROM {DockerRecordingFixture.BaseImage}
            RUN echo "{Marker}" > /base-marker.txt
            """);
        Temp.WriteFile("app/app/Dockerfile", $"""
            FROM {BaseName}
            ENV FOO={EnvValue}
            WORKDIR /srv/remote
            RUN echo "prepared" > prepared.txt
            RUN echo "failing-{Marker}" >&2 && exit 42
            """);
        var project = new GeneratedProject()
            .Property("BriocheJobHome", Home)
            .Property("BriocheJobBuildId", BuildId)
            .Item("DockerImage", BaseName, new Dictionary<string, string> { ["Context"] = "base", ["NetworkMode"] = "none" })
            .Item("DockerImage", AppName, new Dictionary<string, string> { ["Context"] = "app", ["NetworkMode"] = "none" })
            .WriteTo(Temp.Combine("app"));

        Build = await DotnetCli.BuildAsync(project, Engine.Environment);

        if (File.Exists(Path.Combine(Home, DataHome.DatabaseFileName)))
        {
            using var store = SqliteJobStore.Open(new DataHome(Home));
            Recorded = store.GetBuild(BuildId);
        }
    }

    public async Task DisposeAsync()
    {
        try { await Client.RemoveImageAsync(BaseName); }
        catch (BriocheJobException) { }
        Client.Dispose();
        Engine.Dispose();
        Temp.Dispose();
    }
}

public sealed class TcpEngineBuildFixture() : RemoteEngineBuildFixture(RemoteEngineMode.Tcp);

public sealed class TlsEngineBuildFixture() : RemoteEngineBuildFixture(RemoteEngineMode.Tls);

public sealed class TcpContextBuildFixture() : RemoteEngineBuildFixture(RemoteEngineMode.TcpContext);

/// <summary>DockerBuild, import docker and debug-shell -- CMD, all against the fixture's remote engine.</summary>
public abstract class RemoteEngineTests(RemoteEngineBuildFixture fixture)
{
    private ProcessResult Build => fixture.Build;

    private JobRecord FailedJob =>
        fixture.Recorded.ShouldNotBeNull(Build.Describe()).Jobs.Select(j => j.Job)
            .SingleOrDefault(j => j.Result == RunResult.Failed).ShouldNotBeNull(Build.Describe());

    [Fact]
    public async Task DockerBuild_builds_on_the_remote_engine_and_records_every_step()
    {
        Build.ExitCode.ShouldNotBe(0, Build.Describe());
        var errorLine = Build.Stdout.Split('\n').FirstOrDefault(l => l.Contains("error " + Catalog.DockerBuild.StepFailed));
        errorLine.ShouldNotBeNull(Build.Describe());
        Regex.Replace(errorLine, @"^\s*\d+>", "").ShouldStartWith($"{fixture.AppDockerfile}({RemoteEngineBuildFixture.FailingLine})");
        errorLine.ShouldContain("failed with exit code 42");

        var recorded = fixture.Recorded.ShouldNotBeNull(Build.Describe());
        recorded.Build.Result.ShouldBe(RunResult.Failed);
        recorded.Projects.Select(p => p.Name).ShouldBe([fixture.BaseName, fixture.AppName], ignoreOrder: true);
        recorded.Jobs.ShouldNotContain(j => j.Job.State == RunState.Running);
        var job = FailedJob;
        job.ExitCode.ShouldBe(42);
        DockerStepMeta.TryParse(job.RecipeMeta).ShouldNotBeNull().Line.ShouldBe(RemoteEngineBuildFixture.FailingLine);
        ProcessLog.Read(job.LocalPath!).RenderText().ShouldContain("failing-" + fixture.Marker);

        // The base image is on the remote engine, with the id the build printed, and not on the main engine.
        var image = (await fixture.Client.InspectImageAsync(fixture.BaseName, DockerRecordingFixture.Timeout(30))).ShouldNotBeNull();
        var imageId = image["Id"]!.GetValue<string>();
        Build.Stdout.ShouldContain($"{fixture.BaseName}: built {imageId}");
        using var main = new DockerEngineClient(DockerEndpoint.Parse(DockerEndpoint.DefaultHost));
        (await main.InspectImageAsync(fixture.BaseName, DockerRecordingFixture.Timeout(30))).ShouldBeNull();
    }

    [Fact]
    public async Task Debug_shell_runs_a_command_on_the_remote_engine_and_removes_its_image()
    {
        var job = FailedJob;

        var shell = await DotnetCli.BriocheJobAsync(fixture.Home,
            ["debug-shell", job.Id, "--", "sh", "-c", "echo $FOO; pwd; cat prepared.txt /base-marker.txt"], fixture.Engine.Environment);

        shell.ExitCode.ShouldBe(0, shell.Describe());
        shell.Stdout.ShouldBe($"{fixture.EnvValue}\n/srv/remote\nprepared\n{fixture.Marker}\n", shell.Describe());
        var tag = DockerDebugShellPlan.ImageTagFor(job.Id);
        shell.Stderr.ShouldContain(tag);
        (await fixture.Client.InspectImageAsync(tag, DockerRecordingFixture.Timeout(30))).ShouldBeNull();

        var failing = await DotnetCli.BriocheJobAsync(fixture.Home, ["debug-shell", job.Id, "--", "sh", "-c", "exit 7"],
            fixture.Engine.Environment);
        failing.ExitCode.ShouldBe(7, failing.Describe());
    }

    [Fact]
    public async Task Import_docker_records_a_trace_saved_from_the_remote_engine_and_debug_shell_rebuilds_it_there()
    {
        // A CI job saves the engine's progress stream; someone imports it and opens the failed step on that engine.
        var context = fixture.Temp.CreateDirectory("import-" + Guid.NewGuid().ToString("N")[..8]);
        var marker = DockerRecordingFixture.NewMarker("bj-remote-import");
        var dockerfile = Path.Combine(context, "Dockerfile");
        await File.WriteAllTextAsync(dockerfile, $"""
            FROM {fixture.BaseName}
            ENV BAR={marker}
            RUN echo "{marker}" && exit 5
            """);
        var buildContext = BuildContext.Prepare(context);
        var trace = Path.Combine(context, "build.jsonl");
        var request = new DockerBuildRequest { Dockerfile = buildContext.DockerfileNameInContext, NetworkMode = "none" };
        await using (var response = await fixture.Client.BuildAsync(request, buildContext.WriteTarAsync, DockerRecordingFixture.Timeout()))
        await using (var file = File.CreateText(trace))
        {
            await foreach (var line in response.ReadLinesAsync(DockerRecordingFixture.Timeout()))
            {
                await file.WriteLineAsync(line);
            }
        }

        var home = Path.Combine(context, "home");
        var import = await DotnetCli.BriocheJobAsync(home, ["import", "docker", trace, "--dockerfile", dockerfile, "--name", "remote-ci"]);
        import.ExitCode.ShouldBe(0, import.Describe());
        import.Stdout.ShouldMatch(@"imported build \w+: \d+ jobs \(1 failed\)");
        using (var store = SqliteJobStore.Open(new DataHome(home)))
        {
            var failed = store.QueryJobs(new JobQuery(FailedOnly: true)).ShouldHaveSingleItem().Job;
            failed.ExitCode.ShouldBe(5);
        }

        var shell = await DotnetCli.BriocheJobAsync(home, ["debug-shell", "--", "sh", "-c", "echo $BAR; cat /base-marker.txt"],
            fixture.Engine.Environment);
        shell.ExitCode.ShouldBe(0, shell.Describe());
        shell.Stdout.ShouldBe($"{marker}\n{fixture.Marker}\n", shell.Describe());
    }
}

public sealed class TcpEngineTests(TcpEngineBuildFixture fixture)
    : RemoteEngineTests(fixture), IClassFixture<TcpEngineBuildFixture>;

public sealed class TlsEngineTests(TlsEngineBuildFixture fixture)
    : RemoteEngineTests(fixture), IClassFixture<TlsEngineBuildFixture>;

public sealed class TcpContextEngineTests(TcpContextBuildFixture fixture)
    : RemoteEngineTests(fixture), IClassFixture<TcpContextBuildFixture>;
