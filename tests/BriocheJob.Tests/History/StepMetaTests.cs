using BriocheJob.History;

namespace BriocheJob.Tests.History;

/// <summary>The one-pass recipe meta reader: every field, lenient about shapes, strict about broken JSON.</summary>
public sealed class StepMetaTests
{
    [Fact]
    public void Reads_a_docker_steps_fields()
    {
        StepMeta meta = StepMeta.Parse(
            "{\"type\":\"docker_step\",\"digest\":\"sha256:ab\",\"vertex\":\"[2/3] RUN make\",\"dockerfile\":\"/src/app/Dockerfile\"," +
            "\"line\":7,\"stage\":\"build\",\"stageIndex\":1,\"instruction\":\"RUN make\",\"keyword\":\"RUN\"," +
            "\"buildArgs\":{\"MODE\":\"fast\",\"N\":3},\"argsInScope\":[\"MODE\",4],\"inputs\":[\"sha256:01\",\"sha256:02\"]," +
            "\"contextSources\":{\"src/\":\"sha256:cc\"},\"extra\":{\"nested\":[1,{\"a\":[]}]}}");

        meta.Type.ShouldBe("docker_step");
        meta.Digest.ShouldBe("sha256:ab");
        meta.Vertex.ShouldBe("[2/3] RUN make");
        meta.Dockerfile.ShouldBe("/src/app/Dockerfile");
        meta.Line.ShouldBe(7);
        meta.Stage.ShouldBe("build");
        meta.Instruction.ShouldBe("RUN make");
        meta.Keyword.ShouldBe("RUN");
        meta.BuildArgs.ShouldBe(new Dictionary<string, string> { ["MODE"] = "fast" }, "only string values");
        meta.ArgsInScope.ShouldBe(["MODE"]);
        meta.Inputs.ShouldBe(["sha256:01", "sha256:02"]);
        meta.ContextSources.ShouldBe(new Dictionary<string, string> { ["src/"] = "sha256:cc" });
        meta.Frames.ShouldBeEmpty();
        meta.Location.ShouldBe("Dockerfile:7");
    }

    [Fact]
    public void Reads_brioche_stack_frames_innermost_first()
    {
        StepMeta meta = StepMeta.Parse(
            "{\"source\":[{\"fileName\":\"file:///x/std/process.bri\",\"lineNumber\":3,\"columnNumber\":1,\"projectName\":\"std\",\"modulePath\":\"./process.bri\"}," +
            "{\"fileName\":\"file:///src/app/project.bri\",\"lineNumber\":12,\"columnNumber\":10,\"projectName\":\"app\",\"modulePath\":\"./project.bri\"}," +
            "{\"fileName\":\"file:///elsewhere.bri\",\"lineNumber\":5},\"not a frame\",{}]}");

        meta.Frames.ShouldBe(["std/process.bri:3:1", "app/project.bri:12:10", "file:///elsewhere.bri:5", "<unknown>"]);
        meta.Location.ShouldBe("<unknown>");
        meta.Inputs.ShouldBeNull("not recorded");
        meta.ArgsInScope.ShouldBeNull();
        meta.ContextSources.ShouldBeNull();
        meta.BuildArgs.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("{\"line\":\"7\",\"inputs\":{},\"buildArgs\":[],\"type\":3,\"source\":{}}")]
    [InlineData("{\"line\":1.5,\"inputs\":\"sha256:01\",\"contextSources\":\"x\"}")]
    public void A_field_of_another_shape_is_left_out(string json)
    {
        StepMeta meta = StepMeta.Parse(json);
        meta.ShouldNotBeSameAs(StepMeta.Empty);
        meta.Line.ShouldBeNull();
        meta.Inputs.ShouldBeNull();
        meta.Type.ShouldBeNull();
        meta.ContextSources.ShouldBeNull();
        meta.BuildArgs.ShouldBeEmpty();
        meta.Frames.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("{\"type\":\"docker_step\",\"inputs\":[\"a\"")]
    [InlineData("{\"type\":\"docker_step\"} trailing")]
    [InlineData("{\"type\":\"docker_step\",}")]
    [InlineData("{\"type\":\"docker_step\"}{\"type\":\"again\"}")]
    public void Missing_broken_or_non_object_meta_is_empty(string? json) =>
        StepMeta.Parse(json).ShouldBeSameAs(StepMeta.Empty);

    [Fact]
    public void A_repeated_name_keeps_the_last_value_and_long_meta_is_read_whole()
    {
        StepMeta.Parse("{\"stage\":\"a\",\"stage\":\"b\"}").Stage.ShouldBe("b");

        string[] inputs = Enumerable.Range(0, 400).Select(i => $"sha256:{i:x64}").ToArray();
        string json = $"{{\"instruction\":\"RUN é ünïcode\",\"inputs\":[{string.Join(",", inputs.Select(i => $"\"{i}\""))}],\"line\":9}}";
        json.Length.ShouldBeGreaterThan(4096 * 4);
        StepMeta meta = StepMeta.Parse(json);
        meta.Inputs.ShouldBe(inputs);
        meta.Instruction.ShouldBe("RUN é ünïcode");
        meta.Line.ShouldBe(9);
    }

    [Fact]
    public void Inputs_only_reads_the_inputs_and_skips_the_rest()
    {
        var job = new BriocheJob.Store.JobRecord("01J", null, BriocheJob.Store.JobKind.Docker, "x", DateTimeOffset.UnixEpoch, null,
            BriocheJob.Store.RunState.Finished, null,
            RecipeMeta: "{\"instruction\":\"RUN a\",\"in\\u0070uts\":[\"sha256:01\"],\"line\":3,\"source\":[{\"fileName\":\"f\"}]}");
        StepMeta meta = StepMeta.InputsOf(job);
        meta.Inputs.ShouldBe(["sha256:01"], "an escaped name is the same name");
        meta.Instruction.ShouldBeNull();
        meta.Line.ShouldBeNull();
        meta.Frames.ShouldBeEmpty();
        StepMeta.InputsOf(job with { RecipeMeta = "{\"inputs\":[\"a\"],\"x\":" }).ShouldBeSameAs(StepMeta.Empty);
    }
}
