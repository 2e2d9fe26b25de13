using BriocheJob.Diagnostics;
using BriocheJob.Docker;

namespace BriocheJob.Tests.Docker;

public sealed class DockerHostResolverTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("bj-home-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    private void WriteContext(string name, string host)
    {
        var directory = DockerHostResolver.ContextMetaDirectory(Path.Combine(_home, ".docker"), name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "meta.json"),
            "{\"Name\":\"" + name + "\",\"Metadata\":{},\"Endpoints\":{\"docker\":{\"Host\":\"" + host + "\",\"SkipTLSVerify\":false}}}");
    }

    private void WriteCurrentContext(string name)
    {
        Directory.CreateDirectory(Path.Combine(_home, ".docker"));
        File.WriteAllText(Path.Combine(_home, ".docker", "config.json"), $$"""{"auths":{},"currentContext":"{{name}}"}""");
    }

    [Fact]
    public void Default_is_the_standard_socket()
    {
        var endpoint = DockerHostResolver.Resolve(getEnvironment: Env(), homeDirectory: _home);
        endpoint.SocketPath.ShouldBe("/var/run/docker.sock");
        endpoint.Source.ShouldBe("default");
    }

    [Fact]
    public void Docker_host_unix_and_tcp_are_parsed()
    {
        var unix = DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_HOST", "unix:///tmp/x.sock")), homeDirectory: _home);
        unix.SocketPath.ShouldBe("/tmp/x.sock");
        unix.Source.ShouldBe("DOCKER_HOST");

        var tcp = DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_HOST", "tcp://10.1.2.3:2376")), homeDirectory: _home);
        tcp.IsUnixSocket.ShouldBeFalse();
        tcp.TcpHost.ShouldBe("10.1.2.3");
        tcp.TcpPort.ShouldBe(2376);

        DockerEndpoint.Parse("tcp://build-host").TcpPort.ShouldBe(2375);
    }

    [Fact]
    public void Context_sha256_directory_name_matches_the_docker_cli()
    {
        // sha256("default") — the directory name the docker CLI uses for a context called "default".
        Path.GetFileName(DockerHostResolver.ContextMetaDirectory("/c", "default"))
            .ShouldBe("37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f");
    }

    [Fact]
    public void Precedence_is_explicit_then_docker_host_then_docker_context_then_config()
    {
        WriteContext("remote", "tcp://remote:2375");
        WriteContext("other", "unix:///run/other.sock");
        WriteCurrentContext("remote");

        DockerHostResolver.Resolve(getEnvironment: Env(), homeDirectory: _home).TcpHost.ShouldBe("remote");
        DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_CONTEXT", "other")), homeDirectory: _home)
            .SocketPath.ShouldBe("/run/other.sock");
        DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_CONTEXT", "other"), ("DOCKER_HOST", "unix:///h.sock")),
            homeDirectory: _home).SocketPath.ShouldBe("/h.sock");
        DockerHostResolver.Resolve("unix:///explicit.sock", Env(("DOCKER_HOST", "unix:///h.sock")), _home)
            .SocketPath.ShouldBe("/explicit.sock");
    }

    [Fact]
    public void Default_context_name_means_the_default_socket()
    {
        WriteCurrentContext("default");
        DockerHostResolver.Resolve(getEnvironment: Env(), homeDirectory: _home).SocketPath.ShouldBe("/var/run/docker.sock");
    }

    [Fact]
    public void Docker_config_env_moves_the_config_directory()
    {
        var config = Path.Combine(_home, "elsewhere");
        var directory = DockerHostResolver.ContextMetaDirectory(config, "ci");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "meta.json"), """{"Endpoints":{"docker":{"Host":"unix:///ci.sock"}}}""");
        DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_CONFIG", config), ("DOCKER_CONTEXT", "ci")), homeDirectory: _home)
            .SocketPath.ShouldBe("/ci.sock");
    }

    [Fact]
    public void Missing_context_is_a_clear_usage_error()
    {
        var error = Should.Throw<BriocheJobException>(() =>
            DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_CONTEXT", "nope")), homeDirectory: _home));
        error.Code.ShouldBe(Catalog.Docker.BadHost);
        error.Kind.ShouldBe(ErrorKind.Usage);
        error.Message.ShouldContain("'nope'");
    }

    [Theory]
    [InlineData("npipe:////./pipe/docker_engine")]
    [InlineData("unix://relative.sock")]
    [InlineData("ssh://user@host")]
    public void Unsupported_hosts_are_rejected(string host)
    {
        var error = Should.Throw<BriocheJobException>(() => DockerEndpoint.Parse(host, "DOCKER_HOST"));
        error.Code.ShouldBe(Catalog.Docker.BadHost);
        error.Message.ShouldContain(host);
        error.Message.ShouldContain("DOCKER_HOST");
    }

    [Fact]
    public void Build_request_query_carries_every_set_option()
    {
        var request = new DockerBuildRequest
        {
            BuildId = "b1",
            Tags = ["a:1", "b:2"],
            Dockerfile = "sub/Dockerfile",
            Target = "final",
            BuildArgs = new Dictionary<string, string> { ["X"] = "1 2" },
            Labels = new Dictionary<string, string> { ["l"] = "v" },
            Platform = "linux/amd64",
            NoCache = true,
            Pull = true,
            NetworkMode = "none",
        };
        var query = request.ToQueryString();
        query.ShouldStartWith("?version=2&buildid=b1");
        query.ShouldContain("&t=a%3A1&t=b%3A2");
        query.ShouldContain("&dockerfile=sub%2FDockerfile");
        query.ShouldContain("&target=final");
        query.ShouldContain("&buildargs=" + Uri.EscapeDataString("{\"X\":\"1 2\"}"));
        query.ShouldContain("&labels=" + Uri.EscapeDataString("{\"l\":\"v\"}"));
        query.ShouldContain("&platform=linux%2Famd64&nocache=1&pull=1&networkmode=none");
        new DockerBuildRequest { BuildId = "x" }.ToQueryString().ShouldBe("?version=2&buildid=x");
    }

    [Fact]
    public async Task Container_log_frames_are_split_into_stdout_and_stderr()
    {
        static byte[] Frame(byte stream, string text)
        {
            var payload = System.Text.Encoding.UTF8.GetBytes(text);
            var frame = new byte[8 + payload.Length];
            frame[0] = stream;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)payload.Length);
            payload.CopyTo(frame, 8);
            return frame;
        }

        var input = new MemoryStream([.. Frame(1, "out1 "), .. Frame(2, "err"), .. Frame(1, "out2")]);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        await ContainerLogDemultiplexer.CopyAsync(input, stdout, stderr, CancellationToken.None);
        System.Text.Encoding.UTF8.GetString(stdout.ToArray()).ShouldBe("out1 out2");
        System.Text.Encoding.UTF8.GetString(stderr.ToArray()).ShouldBe("err");
    }

    [Theory]
    [InlineData("{\"message\":\"no such image: x\"}", "no such image: x")]
    [InlineData("plain\ntext", "plain text")]
    [InlineData("", "(no message)")]
    public void Engine_error_messages_are_one_line(string body, string expected) =>
        DockerEngineClient.ExtractMessage(body).ShouldBe(expected);
}
