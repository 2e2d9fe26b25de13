using BriocheJob.BuildKit;

namespace BriocheJob.Tests.BuildKit;

public class VertexNameTests
{
    [Theory]
    [InlineData("[stage-name 2/5] RUN make -j4", "stage-name", 2, 5, "RUN", "make -j4", false, null)]
    [InlineData("[2/5] RUN make", null, 2, 5, "RUN", "make", false, null)]
    [InlineData("[builder 1/3] FROM docker.io/library/busybox:local", "builder", 1, 3, "FROM", "docker.io/library/busybox:local", false, null)]
    [InlineData("[stage-1 2/3] COPY --from=builder /listing.txt /out.txt", "stage-1", 2, 3, "COPY", "--from=builder /listing.txt /out.txt", false, null)]
    [InlineData("[linux/arm64 builder 4/7] RUN go build", "builder", 4, 7, "RUN", "go build", false, "linux/arm64")]
    [InlineData("[linux/amd64 3/4] RUN true", null, 3, 4, "RUN", "true", false, "linux/amd64")]
    [InlineData("[internal] load build definition from Dockerfile", null, null, null, null, "load build definition from Dockerfile", true, null)]
    [InlineData("exporting to image", null, null, null, null, "exporting to image", false, null)]
    [InlineData("[auth] library/alpine:pull token for registry-1.docker.io", "auth", null, null, null, "library/alpine:pull token for registry-1.docker.io", false, null)]
    [InlineData("", null, null, null, null, "", false, null)]
    [InlineData("[unclosed 1/2 RUN x", null, null, null, null, "[unclosed 1/2 RUN x", false, null)]
    public void Parses_stage_step_and_instruction(string name, string? stage, int? step, int? total, string? instruction,
        string text, bool isInternal, string? platform)
    {
        VertexName.Parse(name).ShouldBe(new VertexName(stage, step, total, instruction, text, isInternal, platform));
    }

    [Theory]
    [InlineData("process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3", "/bin/sh -c exit 3", 3)]
    [InlineData("process \"/bin/sh -c echo \\\"hi\\\" && false\" did not complete successfully: exit code: 1", "/bin/sh -c echo \"hi\" && false", 1)]
    [InlineData("executor failed running [/bin/sh -c make]: exit code: 2", "/bin/sh -c make", 2)]
    [InlineData("failed to solve: process \"/bin/sh -c go test ./...\" did not complete successfully: exit code: 137", "/bin/sh -c go test ./...", 137)]
    [InlineData("something odd: exit code: 5", null, 5)]
    public void Parses_exit_codes_of_both_error_forms(string error, string? command, int exitCode)
    {
        ProcessFailure.TryParse(error).ShouldBe(new ProcessFailure(command, exitCode));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("failed to compute cache key: \"/missing\" not found: not found")]
    [InlineData("context canceled")]
    public void Errors_without_an_exit_code_give_null(string? error) => ProcessFailure.TryParse(error).ShouldBeNull();
}
