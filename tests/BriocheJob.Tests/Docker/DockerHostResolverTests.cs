using BriocheJob.Diagnostics;
using BriocheJob.Docker;

namespace BriocheJob.Tests.Docker;

public sealed class DockerHostResolverTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("bj-home-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private static Func<string, string?> Env(params (string Name, string? Value)[] values) =>
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

    private string CertFolder(params string[] files)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_home, "certs-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        foreach (var file in files)
        {
            File.WriteAllText(Path.Combine(folder, file), "pem");
        }

        return folder;
    }

    [Fact]
    public void Docker_tls_verify_uses_the_files_in_docker_cert_path_and_port_2376()
    {
        var folder = CertFolder("ca.pem", "cert.pem", "key.pem");
        var endpoint = DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_HOST", "tcp://build-host"),
            ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", folder)), homeDirectory: _home);

        var tls = endpoint.Tls.ShouldNotBeNull();
        tls.VerifyServer.ShouldBeTrue();
        tls.CaFile.ShouldBe(Path.Combine(folder, "ca.pem"));
        tls.CertFile.ShouldBe(Path.Combine(folder, "cert.pem"));
        tls.KeyFile.ShouldBe(Path.Combine(folder, "key.pem"));
        tls.Source.ShouldBe("DOCKER_TLS_VERIFY");
        endpoint.TcpPort.ShouldBe(2376);
        endpoint.Describe().ShouldBe("TLS, from DOCKER_HOST");
        DockerEndpoint.Parse("tcp://build-host:9999", tls: tls).TcpPort.ShouldBe(9999);
    }

    [Fact]
    public void Docker_tls_alone_encrypts_without_verifying_and_missing_files_are_left_out()
    {
        var folder = CertFolder();
        var tls = DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_HOST", "tcp://h:1"), ("DOCKER_TLS", "1"),
            ("DOCKER_CERT_PATH", folder)), homeDirectory: _home).Tls.ShouldNotBeNull();
        tls.VerifyServer.ShouldBeFalse();
        tls.CaFile.ShouldBeNull();
        tls.CertFile.ShouldBeNull();
    }

    [Fact]
    public void Without_docker_cert_path_the_files_come_from_the_config_directory()
    {
        var config = CertFolder("ca.pem");
        var tls = DockerHostResolver.Resolve("tcp://h:1", Env(("DOCKER_TLS_VERIFY", "yes"), ("DOCKER_CONFIG", config)), _home)
            .Tls.ShouldNotBeNull();
        tls.CaFile.ShouldBe(Path.Combine(config, "ca.pem"));
        tls.Directory.ShouldBe(config);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Tls_is_off_when_the_variables_are_unset_or_empty_and_never_applies_to_a_unix_socket(string? value)
    {
        DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_HOST", "tcp://h:1"), ("DOCKER_TLS_VERIFY", value!), ("DOCKER_TLS", value!)),
            homeDirectory: _home).Tls.ShouldBeNull();
        DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_HOST", "unix:///x.sock"), ("DOCKER_TLS_VERIFY", "1")),
            homeDirectory: _home).Tls.ShouldBeNull();
    }

    [Fact]
    public void A_client_certificate_without_its_key_is_a_usage_error_naming_the_missing_file()
    {
        var folder = CertFolder("ca.pem", "cert.pem");
        var error = Should.Throw<BriocheJobException>(() => DockerHostResolver.Resolve(getEnvironment: Env(
            ("DOCKER_HOST", "tcp://h:1"), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", folder)), homeDirectory: _home));
        error.Code.ShouldBe(Catalog.Docker.BadHost.Code);
        error.Kind.ShouldBe(ErrorKind.Usage);
        error.Message.ShouldContain("key.pem is missing");
        error.Message.ShouldContain(folder);
    }

    [Fact]
    public void A_context_uses_its_own_tls_files_and_skip_tls_verify_and_ignores_docker_tls_verify()
    {
        var config = Path.Combine(_home, ".docker");
        void Context(string name, bool skip, params string[] tlsFiles)
        {
            var meta = DockerHostResolver.ContextMetaDirectory(config, name);
            Directory.CreateDirectory(meta);
            File.WriteAllText(Path.Combine(meta, "meta.json"),
                "{\"Name\":\"" + name + "\",\"Endpoints\":{\"docker\":{\"Host\":\"tcp://ctx:2376\",\"SkipTLSVerify\":" + (skip ? "true" : "false") + "}}}");
            var tls = DockerHostResolver.ContextTlsDirectory(config, name);
            Directory.CreateDirectory(tls);
            foreach (var file in tlsFiles)
            {
                File.WriteAllText(Path.Combine(tls, file), "pem");
            }
        }

        Context("secure", false, "ca.pem", "cert.pem", "key.pem");
        Context("skip", true, "cert.pem", "key.pem");
        Context("plain", false);

        var secure = DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_CONTEXT", "secure")), homeDirectory: _home).Tls.ShouldNotBeNull();
        secure.VerifyServer.ShouldBeTrue();
        secure.CaFile.ShouldBe(Path.Combine(DockerHostResolver.ContextTlsDirectory(config, "secure"), "ca.pem"));
        secure.Source.ShouldBe("context 'secure'");

        var skip = DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_CONTEXT", "skip")), homeDirectory: _home).Tls.ShouldNotBeNull();
        skip.VerifyServer.ShouldBeFalse();
        skip.CertFile.ShouldNotBeNull();

        DockerHostResolver.Resolve(getEnvironment: Env(("DOCKER_CONTEXT", "plain"), ("DOCKER_TLS_VERIFY", "1")), homeDirectory: _home)
            .Tls.ShouldBeNull();
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
