using BriocheJob.BuildKit;

namespace BriocheJob.Tests.BuildKit;

public sealed class BuildErrorLineTests
{
    [Theory]
    [InlineData("dockerfile parse error line 11: unknown instruction: FROBNICATE", 11)]
    [InlineData("failed to solve: dockerfile parse error on line 11: unknown instruction: FROBNICATE (did you mean from?)", 11)]
    [InlineData("failed to solve: failed to compute cache key: Dockerfile:7", 7)]
    [InlineData("failed to solve: process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3", null)]
    [InlineData("line 4 of something else", null)]
    [InlineData(null, null)]
    public void A_build_error_that_names_a_Dockerfile_line_points_at_it(string? error, int? line)
    {
        BuildErrorLine.Find(error).ShouldBe(line);
    }
}
