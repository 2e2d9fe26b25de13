using BriocheJob.Brioche;
using BriocheJob.BuildKit;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.Recording;
using BriocheJob.Store;
using BriocheJob.TestSupport;

namespace BriocheJob.IntegrationTests.Docker;

/// <summary>A stream saved from a real failing build, then decoded by <c>trace</c> and recorded by <c>import docker</c>.</summary>
public sealed class DockerTraceImportTests : IDisposable
{
    private readonly DockerRecordingFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    /// <summary>Runs a real build straight through the engine client and saves its JSON lines, as a CI log would.</summary>
    private async Task<(string TracePath, string Marker, string Dockerfile)> SaveFailingBuildAsync()
    {
        await _fx.RequireEngineAsync();
        var marker = DockerRecordingFixture.NewMarker("bj-import");
        var dockerfile = _fx.WriteDockerfile($"""
            FROM busybox:local
            RUN echo "ok-{marker}"
            RUN echo "{marker}" && exit 5
            """);
        var context = BuildContext.Prepare(_fx.Context);
        var request = new DockerBuildRequest { Dockerfile = context.DockerfileNameInContext, NetworkMode = "none" };
        var path = Path.Combine(_fx.Root, "build.jsonl");
        await using (var response = await _fx.Client.BuildAsync(request, context.WriteTarAsync, DockerRecordingFixture.Timeout()))
        await using (var file = File.CreateText(path))
        {
            await foreach (var line in response.ReadLinesAsync(DockerRecordingFixture.Timeout()))
            {
                await file.WriteLineAsync(line);
            }
        }
        return (path, marker, dockerfile);
    }

    [Fact]
    public async Task Import_records_a_saved_stream_as_a_build_with_its_jobs_and_logs()
    {
        var (trace, marker, dockerfile) = await SaveFailingBuildAsync();

        var result = await DockerTraceImport.ImportAsync(new DockerTraceImportOptions(trace, _fx.Home, DockerfilePath: dockerfile));

        using var store = SqliteJobStore.Open(new DataHome(_fx.Home));
        var build = store.GetBuild(result.BuildId).ShouldNotBeNull();
        build.Build.Origin.ShouldBe(BuildOrigin.Import);
        build.Build.Result.ShouldBe(RunResult.Failed);
        build.Jobs.Count.ShouldBe(result.JobCount);
        result.JobCount.ShouldBe(result.Trace.Vertices.Count);
        result.FailedJobCount.ShouldBe(1);
        build.Jobs.ShouldNotContain(j => j.Job.State == RunState.Running);
        var failed = DockerRecordingFixture.JobAtLine(build, 3);
        failed.Result.ShouldBe(RunResult.Failed);
        failed.ExitCode.ShouldBe(5);
        // Times are the build's own, not the import's.
        failed.StartedAt.ShouldBe(result.Trace.FailedVertex!.Started!.Value, TimeSpan.FromMilliseconds(1));
        ProcessLog.Read(failed.LocalPath!).RenderText().ShouldContain(marker);
        var ok = DockerRecordingFixture.JobAtLine(build, 2);
        DockerRecordingFixture.Output(await DockerRecordingFixture.ReadEventsAsync(ok), OutputStream.Stdout).ShouldBe($"ok-{marker}\n");
    }

    [Fact]
    public async Task Import_without_a_dockerfile_still_records_every_step_by_name()
    {
        var (trace, marker, _) = await SaveFailingBuildAsync();

        var result = await DockerTraceImport.ImportAsync(new DockerTraceImportOptions(trace, _fx.Home, Name: "ci-image"));

        using var store = SqliteJobStore.Open(new DataHome(_fx.Home));
        var build = store.GetBuild(result.BuildId).ShouldNotBeNull();
        build.Projects.ShouldHaveSingleItem().Name.ShouldBe("ci-image");
        var failed = build.Jobs.Single(j => j.Job.Result == RunResult.Failed).Job;
        DockerStepMeta.TryParse(failed.RecipeMeta)!.Keyword.ShouldBe("RUN");
        failed.Name.ShouldNotBeNull().ShouldContain("exit 5");
        ProcessLog.Read(failed.LocalPath!).RenderText().ShouldContain(marker);
    }

    [Fact]
    public async Task Import_of_a_file_that_is_not_a_trace_is_one_error_and_records_nothing()
    {
        var path = Path.Combine(_fx.Root, "not-a-trace.txt");
        await File.WriteAllTextAsync(path, "hello\nworld\n");

        var error = await Should.ThrowAsync<BriocheJobException>(
            () => DockerTraceImport.ImportAsync(new DockerTraceImportOptions(path, _fx.Home)));

        error.Code.ShouldBe(Catalog.BuildKit.NotATrace);
        File.Exists(Path.Combine(_fx.Home, DataHome.DatabaseFileName)).ShouldBeFalse();
    }

    [Fact]
    public async Task Import_docker_command_then_list_show_and_logs_find_the_failed_step()
    {
        var (trace, marker, dockerfile) = await SaveFailingBuildAsync();

        var import = Cli.Run("--home", _fx.Home, "import", "docker", trace, "--dockerfile", dockerfile, "--name", "ci-app");
        import.Code.ShouldBe(0, import.Error);
        import.Out.ShouldMatch(@"imported build \w+: \d+ jobs \(1 failed\)");

        using var store = SqliteJobStore.Open(new DataHome(_fx.Home));
        var failed = store.QueryJobs(new JobQuery(FailedOnly: true)).ShouldHaveSingleItem().Job;
        var list = Cli.Run("--home", _fx.Home, "list", "--failed");
        list.Code.ShouldBe(0, list.Error);
        list.Out.ShouldContain("ci-app");
        var show = Cli.Run("--home", _fx.Home, "show", failed.Id);
        show.Code.ShouldBe(0, show.Error);
        show.Out.ShouldContain("exit code 5");
        // With no selector, logs shows the most recent failed job.
        var logs = Cli.Run("--home", _fx.Home, "logs");
        logs.Code.ShouldBe(0, logs.Error);
        logs.Out.ShouldContain(marker);
    }

    [Fact]
    public async Task Trace_command_prints_a_timeline_and_json_without_recording_and_a_failed_build_exits_7()
    {
        var (trace, marker, _) = await SaveFailingBuildAsync();

        var (code, output, _) = Cli.Run("trace", trace);
        code.ShouldBe(7);
        output.ShouldContain("RUN echo");
        output.ShouldContain(marker);
        output.ShouldContain("exit code: 5");

        var (jsonCode, json, _) = Cli.Run("trace", "--json", trace);
        jsonCode.ShouldBe(7);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var vertices = document.RootElement.GetProperty("vertices").EnumerateArray().ToList();
        vertices.ShouldContain(v => v.GetProperty("stdout").GetString()!.Contains($"ok-{marker}"));
        document.RootElement.GetProperty("error").GetString().ShouldNotBeNull().ShouldContain("exit code: 5");
        Directory.Exists(_fx.Home).ShouldBeFalse();

        var (missingCode, _, missingError) = Cli.Run("trace", Path.Combine(_fx.Root, "missing.jsonl"));
        missingCode.ShouldBe(3);
        missingError.ShouldContain(Catalog.BuildKit.TraceFileNotFound);
    }
}

/// <summary>Runs the CLI in-process with captured output.</summary>
internal static class Cli
{
    public static (int Code, string Out, string Error) Run(params string[] args)
    {
        var console = new TestConsole();
        var code = BriocheJob.Cli.Program.Run(args, console, CancellationToken.None);
        return (code, console.OutWriter.ToString(), console.ErrorWriter.ToString());
    }
}
