using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Brioche;

/// <summary>
/// One real <c>dotnet build</c> of a generated project that imports the real targets and builds a Brioche project
/// (with the test-only stand-in as <c>BriocheExe</c>) whose second recipe fails. Shared by the tests below.
/// </summary>
public sealed class FailingBriocheBuildFixture : IAsyncLifetime
{
    public const string FailingLine = "error: greeter.c:3: expected ';' before '}'";

    public TempDirectory Temp { get; } = new("bj-e2e-brioche-");

    public string Home => Temp.Combine("brioche-job-home");

    public string DataDir => Temp.Combine("brioche-data");

    public string BriocheProject => Temp.Combine("app", "greeter");

    public string BuildId { get; } = "e2e-" + Guid.NewGuid().ToString("N");

    public ProcessResult Build { get; private set; } = null!;

    /// <summary>The job that failed, as recorded.</summary>
    public JobRecord FailedJob { get; private set; } = null!;

    public BuildDetails Recorded { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        FakeBriocheProject.Write(BriocheProject, "greeter",
        [
            new FakeProcess("echo fetching sources; sleep 0.2"),
            new FakeProcess($"echo compiling greeter; echo \"{FailingLine}\" >&2; exit 2"),
        ]);
        var project = new GeneratedProject()
            .Property("BriocheExe", FakeBriocheProject.Executable)
            .Property("BriocheJobHome", Home)
            .Property("BriocheJobBuildId", BuildId)
            .Item("BriocheProject", "greeter")
            .WriteTo(Temp.Combine("app"));

        Build = await DotnetCli.BuildAsync(project, new Dictionary<string, string?> { ["BRIOCHE_DATA_DIR"] = DataDir });

        if (File.Exists(Path.Combine(Home, DataHome.DatabaseFileName)))
        {
            using var store = SqliteJobStore.Open(new DataHome(Home));
            Recorded = store.GetBuild(BuildId)!;
            FailedJob = Recorded?.Jobs.Select(j => j.Job).FirstOrDefault(j => j.Result == RunResult.Failed)!;
        }
    }

    public Task DisposeAsync()
    {
        Temp.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class BriocheEndToEndTests(FailingBriocheBuildFixture fixture) : IClassFixture<FailingBriocheBuildFixture>
{
    private ProcessResult Build => fixture.Build;

    [Fact]
    public void Dotnet_build_fails_with_a_coded_error_naming_project_message_job_and_logs_command()
    {
        Build.ExitCode.ShouldNotBe(0, Build.Describe());
        fixture.Recorded.ShouldNotBeNull($"build {fixture.BuildId} was not recorded\n{Build.Describe()}");
        var job = fixture.FailedJob.ShouldNotBeNull(Build.Describe());

        var errorLine = Build.Stdout.Split('\n').FirstOrDefault(l => l.Contains("error BJ3001"));
        errorLine.ShouldNotBeNull(Build.Describe());
        var projectFile = Path.Combine(fixture.BriocheProject, "project.bri");
        // "  1>FILE(LINE,COL): error BJ3001: …" (the node prefix comes from the console logger).
        System.Text.RegularExpressions.Regex.Replace(errorLine, @"^\s*\d+>", "")
            .ShouldStartWith(projectFile + "(", customMessage: "the error points at the Brioche project's project.bri");
        errorLine.ShouldContain("Brioche project 'greeter' failed");
        errorLine.ShouldContain("process failed, view full output by running `brioche jobs logs "
                                + Path.Combine(fixture.DataDir, "process-temp", job.Id, "events.bin.zst") + "`");
        errorLine.ShouldContain($"Job {job.Id}");
        errorLine.ShouldContain("failed with exit code 2");
        errorLine.ShouldContain($"dotnet brioche-job logs {job.Id}");

        // The failing recipe's line in project.bri (the stand-in writes one line per recipe).
        var recipeLine = File.ReadAllLines(projectFile).ToList().FindIndex(l => l.Contains("exit 2")) + 1;
        errorLine.ShouldContain($"project.bri({recipeLine},");

        // Progress shows at normal verbosity: the project and each job.
        Build.Stdout.ShouldContain("Brioche: building greeter");
        Build.Stdout.ShouldContain($"Brioche: job {job.Id} started");
        Build.Stdout.ShouldContain($"Brioche: job {job.Id} failed with exit code 2");
    }

    [Fact]
    public void The_build_its_project_and_both_jobs_are_recorded()
    {
        var recorded = fixture.Recorded.ShouldNotBeNull(Build.Describe());
        recorded.Build.ExternalId.ShouldBe(fixture.BuildId);
        recorded.Build.Origin.ShouldBe(BuildOrigin.MsBuild);
        recorded.Build.Result.ShouldBe(RunResult.Failed);
        var project = recorded.Projects.ShouldHaveSingleItem();
        project.Kind.ShouldBe(JobKind.Brioche);
        project.LocalProjectPath.ShouldBe(fixture.BriocheProject);
        recorded.Jobs.Count.ShouldBe(2);
        var succeeded = recorded.Jobs.Single(j => j.Job.Result == RunResult.Succeeded).Job;
        succeeded.ExitCode.ShouldBe(0);
        File.Exists(succeeded.LocalPath).ShouldBeTrue("the log of a job whose folder Brioche deleted is kept");
        Directory.Exists(Path.Combine(fixture.DataDir, "process-temp", succeeded.Id)).ShouldBeFalse();
    }

    public static TheoryData<string> SelectorForms => ["(none)", "failed", "last", "-1", "id-prefix", "recipe-hash-prefix", "pid", "events-path", "kept-copy-path"];

    [Theory]
    [MemberData(nameof(SelectorForms))]
    public async Task Show_and_logs_find_the_failing_job_by_each_selector_form(string form)
    {
        var job = fixture.FailedJob.ShouldNotBeNull(Build.Describe());
        string[] selector = form switch
        {
            "(none)" => [],
            "failed" => ["failed"],
            "last" => ["last"],
            "-1" => ["-1"],
            "id-prefix" => [job.Id[..10].ToLowerInvariant()],
            "recipe-hash-prefix" => [job.RecipeHash.ShouldNotBeNull()[..12]],
            "pid" => [job.Pid.ShouldNotBeNull().ToString(System.Globalization.CultureInfo.InvariantCulture)],
            "events-path" => [Path.Combine(fixture.DataDir, "process-temp", job.Id, "events.bin.zst")],
            "kept-copy-path" => [job.LocalPath.ShouldNotBeNull()],
            _ => throw new ArgumentOutOfRangeException(nameof(form)),
        };
        var isPath = form.EndsWith("path", StringComparison.Ordinal);

        var logs = await DotnetCli.BriocheJobAsync(fixture.Home, ["logs", .. selector]);
        logs.ExitCode.ShouldBe(0, logs.Describe());
        logs.Stdout.ShouldContain(FailingBriocheBuildFixture.FailingLine);
        logs.Stdout.ShouldContain("compiling greeter");
        logs.Stdout.ShouldContain("[process exited with code 2]");
        logs.Stdout.ShouldContain("greeter/project.bri:");
        logs.Stdout.ShouldNotContain("fetching sources", customMessage: "that is the other (succeeded) job");

        var show = await DotnetCli.BriocheJobAsync(fixture.Home, ["show", .. selector]);
        show.ExitCode.ShouldBe(0, show.Describe());
        show.Stdout.ShouldContain(job.RecipeHash!);
        show.Stdout.ShouldContain("exit code 2");
        if (!isPath)
        {
            show.Stdout.ShouldContain(job.Id);
            show.Stdout.ShouldContain(FailingBriocheBuildFixture.FailingLine);
        }
    }

    [Fact]
    public async Task List_shows_the_failing_job_first_among_failed_jobs()
    {
        var job = fixture.FailedJob.ShouldNotBeNull(Build.Describe());

        var all = await DotnetCli.BriocheJobAsync(fixture.Home, ["list"]);
        all.ExitCode.ShouldBe(0, all.Describe());
        var rows = all.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        rows.Count.ShouldBe(2, all.Describe());
        rows[0].ShouldContain(job.Id[..8]);
        rows[0].ShouldContain("failed");
        rows[0].ShouldContain("greeter");
        rows[1].ShouldContain("succeeded");

        var failed = await DotnetCli.BriocheJobAsync(fixture.Home, ["list", "--failed", "--json"]);
        failed.ExitCode.ShouldBe(0, failed.Describe());
        using var json = System.Text.Json.JsonDocument.Parse(failed.Stdout);
        var only = json.RootElement.EnumerateArray().ShouldHaveSingleItem();
        only.GetProperty("id").GetString().ShouldBe(job.Id);
        only.GetProperty("exitCode").GetInt32().ShouldBe(2);
        only.GetProperty("buildId").GetString().ShouldBe(fixture.Recorded.Build.Id);
    }
}

/// <summary>Real <c>dotnet build</c>s for the task's other paths: brioche missing, and Ctrl+C.</summary>
public sealed class BriocheBuildTaskTests : IDisposable
{
    private readonly TempDirectory _temp = new("bj-e2e-task-");

    public void Dispose() => _temp.Dispose();

    private string Home => _temp.Combine("home");

    private string DataDir => _temp.Combine("brioche-data");

    [Fact]
    public async Task Missing_brioche_is_one_clear_coded_error_without_a_stack_trace()
    {
        FakeBriocheProject.Write(_temp.Combine("app", "pkg"), "pkg", [new FakeProcess("true")]);
        var project = new GeneratedProject { UseSdk = false }
            .Property("BriocheExe", _temp.Combine("no", "brioche"))
            .Property("BriocheJobHome", Home)
            .Item("BriocheProject", "pkg")
            .WriteTo(_temp.Combine("app"));

        var build = await DotnetCli.BuildAsync(project, new Dictionary<string, string?> { ["BRIOCHE_DATA_DIR"] = DataDir }, ["--no-restore"]);

        build.ExitCode.ShouldNotBe(0, build.Describe());
        var errors = build.Stdout.Split('\n').Where(l => l.Contains(": error ") || l.Contains(" error BJ")).Distinct().ToList();
        errors.ShouldAllBe(l => l.Contains("error BJ3002"), build.Describe());
        errors.ShouldNotBeEmpty(build.Describe());
        errors[0].ShouldContain(_temp.Combine("no", "brioche"));
        build.Output.ShouldNotContain("   at BriocheJob", customMessage: "no stack trace");
        build.Output.ShouldNotContain("MSB4018", customMessage: "the task did not crash");
    }

    [Fact]
    public async Task Ctrl_C_stops_brioches_tree_and_records_the_job_and_build_cancelled()
    {
        var marker = Guid.NewGuid().ToString("N");
        FakeBriocheProject.Write(_temp.Combine("app", "slow"), "slow",
            [new FakeProcess("echo started; sleep 120", new Dictionary<string, string> { ["BJ_TEST_MARKER"] = marker })]);
        var buildId = "e2e-cancel-" + Guid.NewGuid().ToString("N");
        var project = new GeneratedProject { UseSdk = false }
            .Property("BriocheExe", FakeBriocheProject.Executable)
            .Property("BriocheJobHome", Home)
            .Property("BriocheJobBuildId", buildId)
            .Item("BriocheProject", "slow")
            .WriteTo(_temp.Combine("app"));

        var buildTask = DotnetCli.BuildAsync(project, new Dictionary<string, string?> { ["BRIOCHE_DATA_DIR"] = DataDir }, ["--no-restore"],
            TimeSpan.FromMinutes(3));
        var processTemp = Path.Combine(DataDir, "process-temp");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!(Directory.Exists(processTemp) && Directory.EnumerateDirectories(processTemp).Any()) && DateTime.UtcNow < deadline && !buildTask.IsCompleted)
        {
            await Task.Delay(100);
        }

        buildTask.IsCompleted.ShouldBeFalse("the build should still be running the slow job");
        await Task.Delay(1000);
        // Ctrl+C reaches every process of the terminal's group; MSBuild cancels its tasks on SIGINT.
        foreach (var pid in ProcessTree.WithCommandLine("dotnet", project))
        {
            ProcessTree.Interrupt(pid);
        }

        var build = await buildTask;
        build.ExitCode.ShouldNotBe(0, build.Describe());
        ProcessTree.WithEnvironment(marker).ShouldBeEmpty("the job's processes are gone");

        using var store = SqliteJobStore.Open(new DataHome(Home));
        var recorded = store.GetBuild(buildId).ShouldNotBeNull(build.Describe());
        recorded.Build.State.ShouldBe(RunState.Cancelled, build.Describe());
        recorded.Jobs.ShouldHaveSingleItem().Job.State.ShouldBe(RunState.Cancelled);
    }
}
