using BriocheJob.DebugShells;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.Tests.Recording;

public sealed class DockerDebugShellPlanTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bj-plan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Text = """
        FROM busybox:local AS tools
        RUN echo tools

        FROM busybox:local AS app
        ARG MODE=fast
        ENV FOO=from-env
        WORKDIR /app
        USER nobody
        RUN echo "$FOO $MODE" && \
            exit 4
        RUN echo after
        """;

    private JobRecord Job(int line, string? instruction = null, string kind = "docker_step")
    {
        var path = Path.Combine(_dir, "Dockerfile");
        File.WriteAllText(path, Text);
        var meta = $$"""{"type":"{{kind}}","dockerfile":{{System.Text.Json.JsonSerializer.Serialize(path)}},"line":{{line}},"context":{{System.Text.Json.JsonSerializer.Serialize(_dir)}},"buildArgs":{"MODE":"slow"},"networkMode":"none"{{(instruction is null ? "" : $",\"instruction\":\"{instruction}\"")}}}""";
        return new JobRecord("01HZX3KQ8V0000000000000ABC", 1, JobKind.Docker, "[app 3/4] RUN echo", DateTimeOffset.UtcNow,
            ExitCode: 4, RecipeMeta: meta, Result: RunResult.Failed, State: RunState.Finished);
    }

    [Fact]
    public void Plan_cuts_the_dockerfile_before_the_failed_instruction_and_keeps_its_state()
    {
        var plan = DockerDebugShellPlan.For(Job(9));

        plan.TruncatedDockerfile.ShouldBe(string.Join('\n', Text.Split('\n').Take(8)) + "\n");
        plan.Target.ShouldBe("app");
        plan.Stage.ShouldBe("app");
        plan.WorkingDirectory.ShouldBe("/app");
        plan.User.ShouldBe("nobody");
        plan.Environment["FOO"].ShouldBe("from-env");
        plan.Environment["MODE"].ShouldBe("slow"); // the build arg given at build time, not the default
        plan.BuildArgs["MODE"].ShouldBe("slow");
        plan.Instruction.ShouldStartWith("RUN echo \"$FOO $MODE\"");
        plan.Command.ShouldNotBeNull().ShouldStartWith("/bin/sh -c echo");
        plan.ImageTag.ShouldBe("brioche-job-debug:01hzx3kq8v0000000000000abc");
        plan.RunNetworkMode.ShouldBe("none");
        plan.ExitCode.ShouldBe(4);
        plan.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void Docker_run_arguments_carry_workdir_env_user_and_a_shell()
    {
        var args = DockerDebugShellPlan.For(Job(9)).DockerRunArguments(terminal: true);

        args.Take(3).ShouldBe(["run", "--rm", "-it"]);
        string.Join(' ', args).ShouldContain("--network none");
        string.Join(' ', args).ShouldContain("-w /app");
        string.Join(' ', args).ShouldContain("-e FOO=from-env");
        string.Join(' ', args).ShouldContain("-u nobody");
        args[^2].ShouldBe("brioche-job-debug:01hzx3kq8v0000000000000abc");
        args[^1].ShouldBe("/bin/sh");
    }

    [Fact]
    public void A_changed_instruction_is_a_warning()
    {
        DockerDebugShellPlan.For(Job(9, instruction: "RUN something else")).Warnings.ShouldHaveSingleItem().ShouldContain("now reads");
    }

    [Theory]
    [InlineData(4, "BJ5110")]   // a FROM
    [InlineData(3, "BJ5113")] // a blank line
    public void Steps_without_an_earlier_state_are_clear_errors(int line, string code)
    {
        Should.Throw<BriocheJobException>(() => DockerDebugShellPlan.For(Job(line))).Code.ShouldBe(code);
    }

    [Fact]
    public void A_job_that_is_not_a_docker_step_is_refused()
    {
        Should.Throw<BriocheJobException>(() => DockerDebugShellPlan.For(Job(9, kind: "complete_process")))
            .Code.ShouldBe(Catalog.DockerBuild.NotDebuggable);
    }
}
