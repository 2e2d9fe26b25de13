using BriocheJob.IntegrationTests.Brioche;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.History;

/// <summary>
/// Issue 6 §6 end to end: two real <c>dotnet build</c>s of a generated project that imports the real targets, with the
/// Brioche stand-in. The recipe succeeds in the first build; the second changes its environment and fails. The BJ3001
/// error of the second build adds the line: which build the step succeeded in, the <c>why</c> reason since, and the
/// <c>logs --diff</c> command, which then runs.
/// </summary>
public sealed class FailureHintEndToEndTests : IDisposable
{
    private readonly TempDirectory _temp = new("bj-e2e-hint-");

    public void Dispose() => _temp.Dispose();

    private string Home => _temp.Combine("home");

    private async Task<(ProcessResult Build, string ExternalId)> BuildAsync(string greeting)
    {
        // Long enough for the recorder to open the log before Brioche deletes a succeeded job's folder.
        FakeBriocheProject.Write(_temp.Combine("app", "greeter"), "greeter",
        [
            new FakeProcess(
                "echo \"greeting with $GREETING\"; sleep 0.3; if [ \"$GREETING\" != hello ]; then echo \"unknown greeting $GREETING\" >&2; exit 3; fi; echo done",
                new Dictionary<string, string> { ["GREETING"] = greeting }),
        ]);
        string externalId = "hint-" + Guid.NewGuid().ToString("N");
        string project = new GeneratedProject { UseSdk = false }
            .Property("BriocheExe", FakeBriocheProject.Executable)
            .Property("BriocheJobHome", Home)
            .Property("BriocheJobBuildId", externalId)
            .Item("BriocheProject", "greeter")
            .WriteTo(_temp.Combine("app"));
        ProcessResult build = await DotnetCli.BuildAsync(project,
            new Dictionary<string, string?> { ["BRIOCHE_DATA_DIR"] = _temp.Combine("brioche-data") }, ["--no-restore"]);
        return (build, externalId);
    }

    [Fact]
    public async Task A_step_that_succeeded_last_build_fails_with_the_why_reason_and_the_logs_diff_command()
    {
        (ProcessResult first, string firstId) = await BuildAsync("hello");
        first.ExitCode.ShouldBe(0, first.Describe());
        first.Stdout.ShouldNotContain("error BJ");

        (ProcessResult second, string secondId) = await BuildAsync("bonjour");
        second.ExitCode.ShouldNotBe(0, second.Describe());

        JobRecord succeeded, failed;
        string firstBuild;
        using (var store = SqliteJobStore.Open(new DataHome(Home)))
        {
            BuildDetails one = store.GetBuild(firstId).ShouldNotBeNull(first.Describe());
            BuildDetails two = store.GetBuild(secondId).ShouldNotBeNull(second.Describe());
            firstBuild = one.Build.Id;
            succeeded = one.Jobs.ShouldHaveSingleItem().Job;
            failed = two.Jobs.ShouldHaveSingleItem().Job;
        }

        succeeded.Result.ShouldBe(RunResult.Succeeded);
        failed.Result.ShouldBe(RunResult.Failed);

        // MSBuild prints each error twice (where it happened and in the summary); every copy carries the line.
        string[] errors = second.Stdout.Split('\n').Where(l => l.Contains("error BJ3001", StringComparison.Ordinal)).ToArray();
        errors.ShouldNotBeEmpty(second.Describe());
        foreach (string error in errors)
        {
            error.ShouldContain($"Job {failed.Id}");
            error.ShouldContain($"This step succeeded in build {firstBuild} (job {succeeded.Id}); " +
                                "since then: recipe-changed, the recipe changed: env.GREETING");
            // The message ends with the command (MSBuild's console logger may append " [PROJECT]").
            error.TrimEnd().ShouldMatch($@"Diff the logs: dotnet brioche-job logs --diff {failed.Id}( \[[^\]]*\])?$");
        }

        // The command the line names works, and shows what the failing run printed differently.
        ProcessResult diff = await DotnetCli.BriocheJobAsync(Home, ["logs", "--diff", failed.Id]);
        diff.ExitCode.ShouldBe(0, diff.Describe());
        diff.Stdout.ShouldContain($"--- job {succeeded.Id}");
        diff.Stdout.ShouldContain($"+++ job {failed.Id}");
        diff.Stdout.ShouldContain("-greeting with hello");
        diff.Stdout.ShouldContain("+greeting with bonjour");
        diff.Stdout.ShouldContain("+unknown greeting bonjour");
    }

    [Fact]
    public async Task A_step_that_never_succeeded_gets_no_extra_line()
    {
        (ProcessResult build, _) = await BuildAsync("bonjour");
        build.ExitCode.ShouldNotBe(0, build.Describe());
        string error = build.Stdout.Split('\n').First(l => l.Contains("error BJ3001", StringComparison.Ordinal));
        error.ShouldNotContain("This step succeeded");
        error.ShouldNotContain("logs --diff");
    }
}
