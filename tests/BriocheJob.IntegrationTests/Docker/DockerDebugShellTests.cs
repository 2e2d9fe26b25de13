using BriocheJob.DebugShells;
using BriocheJob.Docker;
using BriocheJob.Recording;

namespace BriocheJob.IntegrationTests.Docker;

/// <summary>A recorded failing step, rebuilt up to the instruction before it on the real engine, and a command run there.</summary>
public sealed class DockerDebugShellTests : IDisposable
{
    private readonly DockerRecordingFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public async Task Command_runs_with_the_failed_steps_env_workdir_user_and_build_args_and_the_image_is_removed()
    {
        var marker = DockerRecordingFixture.NewMarker("bj-dbg");
        _fx.WriteDockerfile($"""
            FROM busybox:local AS tools
            RUN echo tools > /tools.txt

            FROM busybox:local AS app
            ARG FLAVOUR=plain
            ENV FOO={marker}
            WORKDIR /srv/app
            RUN echo "prepared" > prepared.txt && chmod 755 / /srv /srv/app
            USER nobody
            RUN echo "failing in $(pwd)" && exit 9
            RUN echo unreachable
            """);
        // busybox:local's root folder is 0700 (docker import of a mktemp folder): the chmod lets nobody in.
        var spec = _fx.Spec() with { BuildArgs = new Dictionary<string, string> { ["FLAVOUR"] = "spicy" } };
        var (outcome, build, _) = await _fx.BuildAndRecordAsync(spec);
        outcome.FailedStep.ShouldNotBeNull().Line.ShouldBe(10);
        var job = DockerRecordingFixture.JobAtLine(build, 10);

        var plan = DockerDebugShellPlan.For(job);
        var shell = new DockerDebugShell(_fx.Client);
        try
        {
            var imageId = await shell.BuildAsync(plan, DockerRecordingFixture.Timeout());
            imageId.ShouldStartWith("sha256:");
            var result = await shell.RunAsync(plan, ["sh", "-c", "echo $FOO; pwd; echo $FLAVOUR; id -u; cat prepared.txt"],
                DockerRecordingFixture.Timeout());

            result.ExitCode.ShouldBe(0, result.Stderr);
            result.Stdout.ShouldBe($"{marker}\n/srv/app\nspicy\n65534\nprepared\n");

            var failing = await shell.RunAsync(plan, ["sh", "-c", "echo to-stderr >&2; exit 9"], DockerRecordingFixture.Timeout());
            failing.ExitCode.ShouldBe(9);
            failing.Stderr.ShouldBe("to-stderr\n");
        }
        finally
        {
            (await shell.RemoveImageAsync(plan)).ShouldBeTrue();
        }
        (await _fx.Client.InspectImageAsync(plan.ImageTag, DockerRecordingFixture.Timeout())).ShouldBeNull();
    }
}
