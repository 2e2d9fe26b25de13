using BriocheJob.Docker;
using BriocheJob.Recording;
using BriocheJob.Store;
using static BriocheJob.Tests.Recording.DockerStepTestData;

namespace BriocheJob.Tests.Recording;

public sealed class DockerStepMappingTests
{
    private static readonly Dockerfile Parsed = DockerfileParser.Parse(DockerStepTestData.Dockerfile, new Dictionary<string, string> { ["LEVEL"] = "trace" });

    private static readonly DockerImageSpec Spec = new("app", "/ctx", "/ctx/Dockerfile")
    {
        BuildArgs = new Dictionary<string, string> { ["LEVEL"] = "trace" },
        NetworkMode = "none",
        Target = "base",
    };

    private const string RunName = "[base 3/3] RUN echo \"$FOO\" &&     exit 3";

    private static (DockerStepMeta Meta, DockerfileStepMatch? Step) MetaOf(BriocheJob.BuildKit.TraceVertex vertex)
    {
        var step = DockerStepMapping.FindStep(vertex, Parsed);
        return (DockerStepMapping.Meta(vertex, step, Spec, "/ctx/Dockerfile", "abc"), step);
    }

    [Fact]
    public void Meta_points_at_the_dockerfile_line_stage_and_instruction_and_keeps_build_args()
    {
        var vertex = Decode(Vertex("sha256:run", RunName, 1, 2, error: FailedRunError));

        var (meta, _) = MetaOf(vertex);

        meta.Type.ShouldBe("docker_step");
        meta.Digest.ShouldBe("sha256:run");
        meta.Dockerfile.ShouldBe("/ctx/Dockerfile");
        meta.Line.ShouldBe(6);
        meta.EndLine.ShouldBe(7);
        meta.Stage.ShouldBe("base");
        meta.StageIndex.ShouldBe(0);
        meta.Keyword.ShouldBe("RUN");
        meta.Instruction.ShouldStartWith("RUN echo \"$FOO\"");
        meta.Step.ShouldBe("3/3");
        meta.Image.ShouldBe("app");
        meta.NetworkMode.ShouldBe("none");
        meta.BuildArgs.ShouldNotBeNull()["LEVEL"].ShouldBe("trace");
        DockerStepMeta.TryParse(meta.ToJson()).ShouldBe(meta with { AdditionalProperties = null }, new MetaComparer());
    }

    [Fact]
    public void Meta_of_a_vertex_that_is_no_dockerfile_step_has_no_line()
    {
        var vertex = Decode(Vertex("sha256:int", "[internal] load build definition from Dockerfile", 0, 0.1));

        var (meta, step) = MetaOf(vertex);

        step.ShouldBeNull();
        meta.Line.ShouldBeNull();
        meta.Vertex.ShouldBe("[internal] load build definition from Dockerfile");
        meta.Dockerfile.ShouldBe("/ctx/Dockerfile");
    }

    [Fact]
    public void Failed_vertex_is_a_finished_failed_job_with_its_exit_code_times_and_digest()
    {
        var vertex = Decode(Vertex("sha256:run", RunName, 1, 2.5, error: FailedRunError));
        var (meta, _) = MetaOf(vertex);

        var job = DockerStepMapping.Job("01JOB", 7, vertex, meta, "/home/jobs/01JOB/events.bin.zst", T0);

        job.Kind.ShouldBe(JobKind.Docker);
        job.BuildProjectId.ShouldBe(7);
        job.Name.ShouldBe(RunName);
        job.State.ShouldBe(RunState.Finished);
        job.Result.ShouldBe(RunResult.Failed);
        job.ExitCode.ShouldBe(3);
        job.Message.ShouldBe(FailedRunError);
        job.RecipeHash.ShouldBe("sha256:run");
        job.StartedAt.ShouldBe(T0.AddSeconds(1));
        job.StoppedAt.ShouldBe(T0.AddSeconds(2.5));
        job.Cached.ShouldBeFalse();
        job.LocalPath.ShouldBe("/home/jobs/01JOB/events.bin.zst");
        DockerStepMeta.TryParse(job.RecipeMeta)!.Line.ShouldBe(6);
    }

    [Fact]
    public void Cached_vertex_is_a_succeeded_cached_job_without_exit_code()
    {
        var vertex = Decode(Vertex("sha256:run", RunName, 1, 1, cached: true));

        var job = DockerStepMapping.Job("01JOB", null, vertex, MetaOf(vertex).Meta, null, T0);

        DockerStepMapping.StatusOf(vertex).ShouldBe(DockerStepStatus.Cached);
        job.Cached.ShouldBeTrue();
        job.Result.ShouldBe(RunResult.Succeeded);
        job.State.ShouldBe(RunState.Finished);
        job.ExitCode.ShouldBeNull();
    }

    [Fact]
    public void Succeeded_run_has_exit_code_zero()
    {
        var vertex = Decode(Vertex("sha256:run", RunName, 1, 2));

        var job = DockerStepMapping.Job("01JOB", null, vertex, MetaOf(vertex).Meta, null, T0);

        job.Result.ShouldBe(RunResult.Succeeded);
        job.ExitCode.ShouldBe(0);
    }

    [Fact]
    public void Cancelled_vertex_is_a_cancelled_job_without_result()
    {
        var vertex = Decode(Vertex("sha256:run", RunName, 1, 2, error: "context canceled"));

        var job = DockerStepMapping.Job("01JOB", null, vertex, MetaOf(vertex).Meta, null, T0);

        DockerStepMapping.StatusOf(vertex).ShouldBe(DockerStepStatus.Cancelled);
        job.State.ShouldBe(RunState.Cancelled);
        job.Result.ShouldBeNull();
        job.ExitCode.ShouldBeNull();
    }

    [Fact]
    public void Running_vertex_is_a_running_job_without_stop_time()
    {
        var vertex = Decode(Vertex("sha256:run", RunName, 1));

        var job = DockerStepMapping.Job("01JOB", null, vertex, MetaOf(vertex).Meta, null, T0);

        job.State.ShouldBe(RunState.Running);
        job.StoppedAt.ShouldBeNull();
        job.Result.ShouldBeNull();
    }

    [Fact]
    public void A_step_the_build_ended_under_is_cancelled_at_the_end_time_with_the_reason()
    {
        var vertex = Decode(Vertex("sha256:run", RunName));

        var job = DockerStepMapping.Job("01JOB", null, vertex, MetaOf(vertex).Meta, null, T0,
            DockerStepStatus.Cancelled, T0.AddSeconds(9), "not run: the build failed first");

        job.State.ShouldBe(RunState.Cancelled);
        job.StartedAt.ShouldBe(T0);
        job.StoppedAt.ShouldBe(T0.AddSeconds(9));
        job.Message.ShouldBe("not run: the build failed first");
    }

    [Fact]
    public void Description_carries_the_docker_step_and_the_sandbox_it_ran_in()
    {
        var vertex = Decode(Vertex("sha256:run", RunName, 1, 2, error: FailedRunError));
        var (meta, step) = MetaOf(vertex);

        var description = DockerStepMapping.Description(meta, step!.Instruction, T0.AddSeconds(1));

        description.Recipe.GetProperty("type").GetString().ShouldBe("docker_step");
        description.Recipe.GetProperty("digest").GetString().ShouldBe("sha256:run");
        description.Recipe.GetProperty("line").GetInt32().ShouldBe(6);
        description.Recipe.GetProperty("stage").GetString().ShouldBe("base");
        description.Recipe.GetProperty("dockerfile").GetString().ShouldBe("/ctx/Dockerfile");
        description.CreatedAt.ShouldBe(T0.AddSeconds(1));
        description.Meta.AdditionalProperties!["docker"].GetProperty("line").GetInt32().ShouldBe(6);
        description.Meta.Source.ShouldNotBeNull().Single().ToDisplayString().ShouldBe("/ctx/Dockerfile:6:1");
        var sandbox = description.SandboxConfig;
        sandbox.CurrentDir.ToDisplayString().ShouldBe("/src");
        sandbox.Env["FOO"].ToDisplayString().ShouldBe("bar");
        sandbox.Env["LEVEL"].ToDisplayString().ShouldBe("trace");
        sandbox.AdditionalProperties!["user"].GetString().ShouldBe("nobody");
        sandbox.Networking.ShouldBeFalse();
        description.CommandDisplay.ShouldBe("/bin/sh");
        description.ArgsDisplay[0].ShouldBe("-c");
        description.ArgsDisplay[1].ShouldStartWith("echo \"$FOO\"");
        // It survives the events format's own parser.
        var parsed = BriocheJob.Brioche.ProcessDescription.Parse(description.ToJsonBytes());
        parsed.Recipe.GetProperty("type").GetString().ShouldBe("docker_step");
        parsed.Meta.Source.ShouldNotBeNull().Single().LineNumber.ShouldBe(6);
    }

    [Fact]
    public void Run_command_is_sh_c_for_the_shell_form_without_run_flags_and_the_array_for_exec_form()
    {
        var parsed = DockerfileParser.Parse("FROM busybox\nRUN --mount=type=cache,target=/c --network=none make all\nRUN [\"/bin/echo\", \"a b\"]\n");
        var runs = parsed.Stages[0].Instructions.Where(i => i.Keyword == "RUN").ToList();

        runs[0].RunCommand().ShouldBe(("/bin/sh", (IReadOnlyList<string>)["-c", "make all"]), new RunComparer());
        runs[1].RunCommand().ShouldBe(("/bin/echo", (IReadOnlyList<string>)["a b"]), new RunComparer());
    }

    [Fact]
    public void Meta_parse_rejects_other_shapes()
    {
        DockerStepMeta.TryParse(null).ShouldBeNull();
        DockerStepMeta.TryParse("not json").ShouldBeNull();
        DockerStepMeta.TryParse("""{"type":"complete_process"}""").ShouldBeNull();
        DockerStepMeta.TryParse("""{"type":"docker_step","line":4,"future":1}""")!.Line.ShouldBe(4);
    }

    private sealed class MetaComparer : IEqualityComparer<DockerStepMeta>
    {
        public bool Equals(DockerStepMeta? x, DockerStepMeta? y) => x!.ToJson() == y!.ToJson();
        public int GetHashCode(DockerStepMeta obj) => 0;
    }

    private sealed class RunComparer : IEqualityComparer<(string, IReadOnlyList<string>)>
    {
        public bool Equals((string, IReadOnlyList<string>) x, (string, IReadOnlyList<string>) y) =>
            x.Item1 == y.Item1 && x.Item2.SequenceEqual(y.Item2);
        public int GetHashCode((string, IReadOnlyList<string>) obj) => 0;
    }
}
