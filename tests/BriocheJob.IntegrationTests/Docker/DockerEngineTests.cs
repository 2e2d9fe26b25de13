using System.Text.Json;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;

namespace BriocheJob.IntegrationTests.Docker;

/// <summary>
/// Against the real engine (DOCKER_HOST or the default socket). A missing engine or base image fails these tests:
/// run eng/docker-engine.sh first.
/// </summary>
public sealed class DockerEngineTests : IDisposable
{
    private const string BaseImage = "busybox:local";
    private readonly DockerEngineClient _client = DockerEngineClient.Create();
    private readonly string _context = Directory.CreateTempSubdirectory("bj-it-ctx-").FullName;
    private readonly List<string> _imagesToRemove = [];

    public void Dispose()
    {
        foreach (var image in _imagesToRemove)
        {
            try { _client.RemoveImageAsync(image).GetAwaiter().GetResult(); }
            catch (BriocheJobException) { }
        }

        _client.Dispose();
        Directory.Delete(_context, recursive: true);
    }

    private static CancellationToken Timeout(int seconds = 120) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    private async Task RequireBaseImageAsync()
    {
        var image = await _client.InspectImageAsync(BaseImage, Timeout());
        image.ShouldNotBeNull($"{BaseImage} is missing: run eng/docker-engine.sh");
    }

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_context, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private async Task<List<string>> BuildAsync(BuildContext context, string? tag = null, string? buildId = null,
        Func<string, Task>? onLine = null)
    {
        var request = new DockerBuildRequest
        {
            BuildId = buildId ?? Guid.NewGuid().ToString("N"),
            Dockerfile = context.DockerfileNameInContext,
            Tags = tag is null ? [] : [tag],
            NetworkMode = "none",
            NoCache = true,
            Labels = new Dictionary<string, string> { ["org.brioche-job.test"] = "1" },
        };
        if (tag is not null)
        {
            _imagesToRemove.Add(tag);
        }

        var lines = new List<string>();
        var token = Timeout();
        await using var response = await _client.BuildAsync(request, context.WriteTarAsync, token);
        response.BuildId.ShouldBe(request.BuildId);
        await foreach (var line in response.ReadLinesAsync(token))
        {
            lines.Add(line);
            if (onLine is not null)
            {
                await onLine(line);
            }
        }

        return lines;
    }

    private static string? ImageId(IEnumerable<string> lines) =>
        lines.Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("id", out var id) && id.GetString() == "moby.image.id")
            .Select(e => e.GetProperty("aux").GetProperty("ID").GetString())
            .FirstOrDefault();

    private static string? ErrorMessage(IEnumerable<string> lines) =>
        lines.Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("errorDetail", out _))
            .Select(e => e.GetProperty("errorDetail").GetProperty("message").GetString())
            .FirstOrDefault();

    [Fact]
    public async Task Ping_negotiates_the_lower_of_engine_and_client_versions()
    {
        _client.ApiVersion.ShouldBeNull();
        var ping = await _client.PingAsync(Timeout());
        ping.EngineApiVersion.ShouldNotBeNull();
        var expected = ping.EngineApiVersion < DockerEngineClient.MaxApiVersion ? ping.EngineApiVersion : DockerEngineClient.MaxApiVersion;
        ping.NegotiatedApiVersion.ShouldBe(expected);
        _client.ApiVersion.ShouldBe(expected);
        ping.OsType.ShouldBe("linux");
    }

    [Fact]
    public async Task Build_streams_buildkit_trace_and_image_id_and_tags_the_image()
    {
        await RequireBaseImageAsync();
        Write("Dockerfile", "FROM busybox:local\nRUN echo built-by-brioche-job\n");
        var tag = "brioche-job-it:" + Guid.NewGuid().ToString("N")[..12];

        var lines = await BuildAsync(BuildContext.Prepare(_context), tag);

        lines.ShouldContain(l => l.Contains("\"moby.buildkit.trace\""));
        ErrorMessage(lines).ShouldBeNull();
        var imageId = ImageId(lines).ShouldNotBeNull();
        imageId.ShouldStartWith("sha256:");
        var inspected = (await _client.InspectImageAsync(tag, Timeout())).ShouldNotBeNull();
        inspected["Id"]!.GetValue<string>().ShouldBe(imageId);
        inspected["Config"]!["Labels"]!["org.brioche-job.test"]!.GetValue<string>().ShouldBe("1");
    }

    [Fact]
    public async Task Context_honours_dockerignore_and_an_external_dockerfile()
    {
        await RequireBaseImageAsync();
        var outside = Directory.CreateTempSubdirectory("bj-it-df-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "Dockerfile"), "FROM busybox:local\nCOPY . /ctx/\n");
            File.WriteAllText(Path.Combine(outside, "Dockerfile.dockerignore"), "*.secret\n");
            Write("keep.txt", "kept");
            Write("drop.secret", "nope");
            Write("sub/run.sh", "#!/bin/sh\necho ran\n");
            File.SetUnixFileMode(Path.Combine(_context, "sub/run.sh"), (UnixFileMode)0b111_101_101);
            File.CreateSymbolicLink(Path.Combine(_context, "link"), "keep.txt");
            var tag = "brioche-job-it:" + Guid.NewGuid().ToString("N")[..12];

            var context = BuildContext.Prepare(_context, Path.Combine(outside, "Dockerfile"));
            var lines = await BuildAsync(context, tag);
            ErrorMessage(lines).ShouldBeNull();

            var result = await _client.RunAsync(new ContainerRunRequest
            {
                Image = tag,
                Command = ["sh", "-c", "ls -A /ctx | grep -v '^.brioche-job-dockerfile-'; cat /ctx/link; echo; /ctx/sub/run.sh"],
            }, Timeout());
            result.ExitCode.ShouldBe(0, result.Stderr);
            result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .ShouldBe(["keep.txt", "link", "sub", "kept", "ran"]);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task Every_step_vertex_of_a_real_multi_stage_build_maps_to_its_dockerfile_line()
    {
        await RequireBaseImageAsync();
        const string text = """
            ARG BASE=busybox:local
            FROM ${BASE} AS builder
            WORKDIR /src
            ENV A=1
            RUN echo one > a
            FROM builder AS mid
            RUN cat a
            FROM scratch AS files
            COPY Dockerfile /x
            FROM busybox:local
            COPY --from=mid /src/a /a
            COPY --from=files /x /x
            USER root
            RUN cat /a
            """;
        Write("Dockerfile", text);
        var lines = await BuildAsync(BuildContext.Prepare(_context));
        ErrorMessage(lines).ShouldBeNull();

        // Test-only scan for vertex names in the aux bytes; real decoding belongs to BriocheJob.BuildKit.
        var names = lines.Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("id", out var id) && id.GetString() == "moby.buildkit.trace")
            .SelectMany(e => System.Text.RegularExpressions.Regex.Matches(
                System.Text.Encoding.Latin1.GetString(Convert.FromBase64String(e.GetProperty("aux").GetString()!)),
                @"\[[a-z0-9-]+ \d+/\d+\] [\x20-\x7e]+"))
            .Select(m => m.Value)
            .Distinct()
            .ToList();

        var dockerfile = DockerfileParser.Parse(text);
        // The engine solves identical vertices once for all builds running at the same time: another test's
        // `FROM busybox:local AS right` may name the pull this build shares. Only such FROM vertices may be foreign.
        names.RemoveAll(n => n.Contains("] FROM ", StringComparison.Ordinal) && dockerfile.FindStepForVertex(n) is null);
        var mapped = names.Select(n => dockerfile.FindStepForVertex(n).ShouldNotBeNull(n))
            .Select(m => (m.Stage.DisplayName, m.Instruction.Line, m.Total)).Distinct().OrderBy(m => m.Line).ToList();
        // Both FROM lines (2 and 10) pull the same image, so BuildKit merges them into one vertex and names it
        // after either stage, whichever it solved first; under load it may not report that vertex at all.
        // Never both: one vertex, one name.
        (string, int, int) builderFrom = ("builder", 2, 3), finalFrom = ("stage-3", 10, 4);
        mapped.Count(m => m == builderFrom || m == finalFrom).ShouldBeLessThanOrEqualTo(1, string.Join(", ", names));
        mapped.Where(m => m != builderFrom && m != finalFrom).ShouldBe([
            ("builder", 3, 3), ("builder", 5, 3),
            ("mid", 7, 1),
            ("files", 9, 1),
            ("stage-3", 11, 4), ("stage-3", 12, 4), ("stage-3", 14, 4),
        ]);
    }

    [Fact]
    public async Task Failing_build_ends_with_an_error_line_naming_the_exit_code()
    {
        await RequireBaseImageAsync();
        Write("Dockerfile", "FROM busybox:local\nRUN echo about to fail && exit 3\n");

        var lines = await BuildAsync(BuildContext.Prepare(_context));

        ImageId(lines).ShouldBeNull();
        ErrorMessage(lines).ShouldNotBeNull().ShouldContain("exit code: 3");
        lines.ShouldContain(l => l.Contains("\"moby.buildkit.trace\""));
    }

    [Fact]
    public async Task Cancel_stops_a_running_build()
    {
        await RequireBaseImageAsync();
        Write("Dockerfile", "FROM busybox:local\nRUN sleep 120\n");
        var buildId = "bj-cancel-" + Guid.NewGuid().ToString("N");
        var cancelled = false;
        var started = DateTime.UtcNow;

        var lines = await BuildAsync(BuildContext.Prepare(_context), buildId: buildId, onLine: async line =>
        {
            // Cancel once BuildKit reports progress, i.e. the build is really running.
            if (!cancelled && line.Contains("\"moby.buildkit.trace\""))
            {
                cancelled = true;
                await Task.Delay(1000);
                await _client.CancelBuildAsync(buildId, Timeout());
            }
        });

        cancelled.ShouldBeTrue();
        (DateTime.UtcNow - started).ShouldBeLessThan(TimeSpan.FromSeconds(100));
        ImageId(lines).ShouldBeNull();
        ErrorMessage(lines).ShouldNotBeNull().ShouldContain("cancel", Case.Insensitive);
    }

    [Fact]
    public async Task Non_200_build_is_a_clear_engine_error()
    {
        Write("Dockerfile", "FROM busybox:local\n");
        var error = await Should.ThrowAsync<BriocheJobException>(async () =>
        {
            await using var _ = await _client.BuildAsync(
                new DockerBuildRequest { NetworkMode = "not-a-network-mode" }, BuildContext.Prepare(_context).WriteTarAsync,
                Timeout());
        });
        error.Code.ShouldBe(Catalog.Docker.EngineError);
        error.Message.ShouldContain("POST /build");
        error.Message.ShouldNotContain("\n");
    }

    [Fact]
    public async Task An_engine_error_or_a_missing_container_says_the_catalogues_message_with_the_operation_and_the_engines_reason()
    {
        var missing = "bj-polish2-no-such-container-" + Guid.NewGuid().ToString("N");
        var error = await Should.ThrowAsync<BriocheJobException>(() => _client.StartContainerAsync(missing, Timeout()));

        error.Code.ShouldBe(Catalog.Docker.NotFound);
        var refused = $"refused POST /containers/{missing}/start (404)";
        error.Message.ShouldStartWith(Catalog.Docker.NotFound.Message(_client.Endpoint.Host, refused, ""));
        error.Message.ShouldContain(missing, Case.Sensitive, "the engine's own reason names it too");
        error.Message.ShouldNotContain("\n");
    }

    [Fact]
    public async Task Run_one_command_returns_output_and_exit_code()
    {
        await RequireBaseImageAsync();
        var result = await _client.RunAsync(new ContainerRunRequest
        {
            Image = BaseImage,
            Command = ["sh", "-c", "pwd; echo \"$GREETING\"; id -u; echo oops >&2; exit 7"],
            WorkingDirectory = "/tmp",
            Environment = new Dictionary<string, string> { ["GREETING"] = "hello there" },
            User = "root",
        }, Timeout());

        result.ExitCode.ShouldBe(7);
        result.Stdout.ShouldBe("/tmp\nhello there\n0\n");
        result.Stderr.ShouldBe("oops\n");
    }

    [Fact]
    public async Task Image_inspect_and_remove_report_missing_images()
    {
        (await _client.InspectImageAsync("brioche-job-it:does-not-exist", Timeout())).ShouldBeNull();
        (await _client.RemoveImageAsync("brioche-job-it:does-not-exist", Timeout())).ShouldBeFalse();
    }

    [Theory]
    [InlineData("unix:///tmp/brioche-job-no-such-docker.sock", "does not exist")]
    [InlineData("tcp://127.0.0.1:1", "refused")]
    public async Task Unreachable_engine_is_one_clear_unavailable_error(string host, string cause)
    {
        using var client = new DockerEngineClient(DockerEndpoint.Parse(host));
        var error = await Should.ThrowAsync<BriocheJobException>(() => client.PingAsync(Timeout(30)));
        error.Code.ShouldBe(Catalog.Docker.EngineUnreachable);
        error.Kind.ShouldBe(ErrorKind.Unavailable);
        error.Message.ShouldContain(host);
        error.Message.ShouldContain(cause, Case.Insensitive);
        error.Message.ShouldNotContain("\n");
        error.ToString().ShouldStartWith("BJ5001: Docker engine at " + host);
    }
}
