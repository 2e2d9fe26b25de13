using BriocheJob.Diagnostics;
using BriocheJob.Docker;

namespace BriocheJob.Tests.Docker;

public class DockerfileParserTests
{
    private const string MultiStage = """
        # syntax=docker/dockerfile:1
        ARG BASE=busybox:local
        ARG TAG
        FROM ${BASE} AS builder
        WORKDIR /src
        RUN echo one > a
        RUN echo two > b

        FROM builder AS mid
        RUN cat a b

        FROM --platform=$BUILDPLATFORM busybox:${TAG:-latest}
        COPY --from=mid /src/a /a
        RUN cat /a
        """;

    [Fact]
    public void Stages_bases_and_arg_substituted_from()
    {
        var dockerfile = DockerfileParser.Parse(MultiStage);

        dockerfile.GlobalArgs.Select(a => a.Line).ShouldBe([2, 3]);
        dockerfile.Stages.Count.ShouldBe(3);
        var builder = dockerfile.Stages[0];
        builder.Name.ShouldBe("builder");
        builder.BaseImage.ShouldBe("busybox:local");
        builder.From.Line.ShouldBe(4);
        var mid = dockerfile.Stages[1];
        mid.BaseStage.ShouldBeSameAs(builder);
        mid.BaseImage.ShouldBeNull();
        var final = dockerfile.Stages[2];
        final.Name.ShouldBeNull();
        final.DisplayName.ShouldBe("stage-2");
        final.BaseImage.ShouldBe("busybox:latest");
        final.Platform.ShouldNotBeNullOrEmpty();
        final.Platform.ShouldContain("/");
        final.Instructions.Select(i => (i.Keyword, i.Line)).ShouldBe([("FROM", 12), ("COPY", 13), ("RUN", 14)]);
    }

    [Fact]
    public void Build_args_override_arg_defaults_in_from()
    {
        var dockerfile = DockerfileParser.Parse(MultiStage,
            new Dictionary<string, string> { ["BASE"] = "alpine:3", ["TAG"] = "1.36" });
        dockerfile.Stages[0].BaseImage.ShouldBe("alpine:3");
        dockerfile.Stages[2].BaseImage.ShouldBe("busybox:1.36");
        dockerfile.GlobalArgValues["TAG"].ShouldBe("1.36");
    }

    [Fact]
    public void Stage_reused_as_base_inherits_workdir_env_and_user_but_not_args()
    {
        var dockerfile = DockerfileParser.Parse("""
            FROM busybox:local AS base
            ARG V=1
            ENV A=x
            WORKDIR /app
            USER nobody
            FROM BASE AS next
            RUN pwd
            """);
        var run = dockerfile.Stages[1].Instructions[1];
        dockerfile.Stages[1].BaseStage!.Name.ShouldBe("base");
        run.StateBefore.WorkingDirectory.ShouldBe("/app");
        run.StateBefore.Environment["A"].ShouldBe("x");
        run.StateBefore.User.ShouldBe("nobody");
        run.StateBefore.Args.ShouldBeEmpty();
    }

    [Fact]
    public void State_before_each_step_tracks_workdir_env_user_and_args()
    {
        var dockerfile = DockerfileParser.Parse("""
            ARG GLOBAL=g
            FROM busybox:local
            ARG GLOBAL
            ARG VERSION=1.0
            ENV APP=/opt/app PATH_EXTRA="$APP/bin" LABEL="a b"
            ENV LEGACY value with spaces
            ENV FULL=${APP}/v$VERSION QUOTED='$APP' DEFAULTED=${MISSING:-fallback} ALT=${VERSION:+set}
            WORKDIR $APP
            WORKDIR src/../lib
            USER 1000:1000
            RUN env
            """, new Dictionary<string, string> { ["VERSION"] = "2.0" });
        var steps = dockerfile.Stages[0].Instructions;
        steps[0].StateBefore.WorkingDirectory.ShouldBe("/");
        steps[0].StateBefore.User.ShouldBeNull();

        var run = steps[^1];
        run.Keyword.ShouldBe("RUN");
        var state = run.StateBefore;
        state.Args["GLOBAL"].ShouldBe("g");
        state.Args["VERSION"].ShouldBe("2.0");
        state.Environment["APP"].ShouldBe("/opt/app");
        // Values in one ENV see the variables as they were before it.
        state.Environment["PATH_EXTRA"].ShouldBe("/bin");
        state.Environment["LABEL"].ShouldBe("a b");
        state.Environment["LEGACY"].ShouldBe("value with spaces");
        state.Environment["FULL"].ShouldBe("/opt/app/v2.0");
        state.Environment["QUOTED"].ShouldBe("$APP");
        state.Environment["DEFAULTED"].ShouldBe("fallback");
        state.Environment["ALT"].ShouldBe("set");
        state.WorkingDirectory.ShouldBe("/opt/app/lib");
        state.User.ShouldBe("1000:1000");

        // The state is the one BEFORE the instruction.
        steps.Single(s => s.Keyword == "USER").StateBefore.User.ShouldBeNull();
        steps.First(s => s.Keyword == "WORKDIR").StateBefore.WorkingDirectory.ShouldBe("/");
    }

    [Fact]
    public void Continuations_comments_and_json_form()
    {
        var dockerfile = DockerfileParser.Parse("""
            FROM busybox:local
            RUN echo a \
                # a comment inside the continuation

                && echo b
            CMD ["sh", "-c", "echo hi"]
            ENTRYPOINT [not json
            """);
        var steps = dockerfile.Stages[0].Instructions;
        var run = steps[1];
        run.Line.ShouldBe(2);
        run.EndLine.ShouldBe(5);
        run.Arguments.ShouldBe("echo a     && echo b");
        run.IsJsonForm.ShouldBeFalse();
        steps[2].Line.ShouldBe(6);
        steps[2].JsonArguments.ShouldBe(["sh", "-c", "echo hi"]);
        steps[3].IsJsonForm.ShouldBeFalse();
    }

    [Fact]
    public void Escape_directive_switches_to_backtick()
    {
        var dockerfile = DockerfileParser.Parse("""
            # escape=`
            FROM busybox:local
            RUN echo C:\path `
                && echo done
            WORKDIR /a
            """);
        dockerfile.EscapeCharacter.ShouldBe('`');
        var steps = dockerfile.Stages[0].Instructions;
        steps[1].Arguments.ShouldBe(@"echo C:\path     && echo done");
        steps[2].Line.ShouldBe(5);
    }

    [Fact]
    public void Heredoc_bodies_are_skipped()
    {
        var dockerfile = DockerfileParser.Parse("""
            FROM busybox:local
            RUN <<EOF
            FROM not-an-instruction
            echo hello
            EOF
            COPY <<-"CONF" /etc/app.conf
            	key=value
            	CONF
            RUN true
            """);
        dockerfile.Stages.Count.ShouldBe(1);
        dockerfile.Stages[0].Instructions.Select(i => (i.Keyword, i.Line)).ShouldBe([("FROM", 1), ("RUN", 2), ("COPY", 6), ("RUN", 9)]);
        dockerfile.Stages[0].Instructions[1].EndLine.ShouldBe(5);
    }

    [Theory]
    [InlineData("RUN true", "RUN comes before the first FROM")]
    [InlineData("FROM busybox:local\nFROBNICATE x", "unknown instruction 'FROBNICATE'")]
    [InlineData("# just a comment", "no FROM instruction")]
    [InlineData("FROM a b c", "optional 'AS name'")]
    public void Bad_dockerfiles_are_reported_with_a_line(string text, string expected)
    {
        var error = Should.Throw<BriocheJobException>(() => DockerfileParser.Parse(text, source: "app/Dockerfile"));
        error.Code.ShouldBe(Catalog.Docker.BadDockerfile);
        error.Message.ShouldStartWith("app/Dockerfile");
        error.Message.ShouldContain(expected);
    }

    // The vertex names below are the ones the engine (BuildKit in Docker 20.10) produced for MultiStage.
    [Theory]
    [InlineData("[builder 1/4] FROM docker.io/library/busybox:local", "builder", 4)]
    [InlineData("[builder 2/4] WORKDIR /src", "builder", 5)]
    [InlineData("[builder 3/4] RUN echo one > a", "builder", 6)]
    [InlineData("[builder 4/4] RUN echo two > b", "builder", 7)]
    [InlineData("[mid 1/1] RUN cat a b", "mid", 10)]
    [InlineData("[stage-2 1/3] FROM docker.io/library/busybox:latest", "stage-2", 12)]
    [InlineData("[stage-2 2/3] COPY --from=mid /src/a /a", "stage-2", 13)]
    [InlineData("[linux/amd64 stage-2 3/3] RUN cat /a", "stage-2", 14)]
    public void Vertex_names_map_to_instructions(string vertex, string stage, int line)
    {
        var dockerfile = DockerfileParser.Parse(MultiStage);
        var match = dockerfile.FindStepForVertex(vertex).ShouldNotBeNull();
        match.Stage.DisplayName.ShouldBe(stage);
        match.Instruction.Line.ShouldBe(line);
        match.Total.ShouldBe(match.Stage.BuildKitStepCount);
    }

    [Fact]
    public void Step_counts_skip_non_vertex_instructions_scratch_and_stage_bases()
    {
        var dockerfile = DockerfileParser.Parse(MultiStage);
        dockerfile.Stages.Select(s => s.BuildKitStepCount).ShouldBe([4, 1, 3]);

        var single = DockerfileParser.Parse("""
            FROM busybox:local
            RUN echo hi
            ENV A=b
            USER root
            RUN echo $A
            """);
        single.Stages[0].BuildKitStepCount.ShouldBe(3);
        // Single-stage Dockerfiles get no stage name; BuildKit shows RUN with ENV already expanded.
        single.FindStepForVertex("[3/3] RUN echo b")!.Instruction.Line.ShouldBe(5);
        single.FindStepForVertex("[1/3] FROM docker.io/library/busybox:local")!.Instruction.Keyword.ShouldBe("FROM");

        var scratch = DockerfileParser.Parse("FROM scratch AS s\nCOPY a /a\nCOPY b /b\nFROM busybox:local\nCOPY --from=s /a /a\n");
        scratch.FindStepForVertex("[s 1/2] COPY a /a")!.Instruction.Line.ShouldBe(2);
        scratch.FindStepForVertex("[stage-1 2/2] COPY --from=s /a /a")!.Instruction.Line.ShouldBe(5);
    }

    [Theory]
    [InlineData("[internal] load metadata for docker.io/library/busybox:local")]
    [InlineData("[internal] load build context")]
    [InlineData("exporting to image")]
    [InlineData("[nosuchstage 1/1] RUN x")]
    [InlineData("[builder 9/9] RUN x")]
    public void Non_step_vertices_do_not_map(string vertex) =>
        DockerfileParser.Parse(MultiStage).FindStepForVertex(vertex).ShouldBeNull();
}
