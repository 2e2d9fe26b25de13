using BriocheJob.Docker;
using BriocheJob.IntegrationTests.Infrastructure;

namespace BriocheJob.IntegrationTests.Docker;

/// <summary>How a test reaches the engines eng/docker-remote-engines.sh starts beside the main one.</summary>
public enum RemoteEngineMode
{
    /// <summary>DOCKER_HOST=tcp://127.0.0.1:PORT, plain HTTP.</summary>
    Tcp,
    /// <summary>DOCKER_HOST=tcp://127.0.0.1:PORT with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH.</summary>
    Tls,
    /// <summary>A context made by <c>docker context create</c> in a temp DOCKER_CONFIG, pointing at the TCP engine.</summary>
    TcpContext,
    /// <summary>A context pointing at the TLS engine, with the CA and client certificate stored in the context.</summary>
    TlsContext,
}

/// <summary>
/// The Docker environment of one remote mode, complete (every variable the resolver reads is named, so nothing from
/// the test host leaks in), for child processes and for in-process clients alike.
/// </summary>
public sealed class RemoteEngine : IDisposable
{
    public const string ContextName = "bj-remote";

    private static string Setting(string name, string fallback) =>
        System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    public static string TcpHost => $"tcp://127.0.0.1:{Setting("BRIOCHE_JOB_DOCKER_TCP_PORT", "23750")}";

    public static string TlsHost => $"tcp://127.0.0.1:{Setting("BRIOCHE_JOB_DOCKER_TLS_PORT", "23760")}";

    /// <summary>The CA, server and client certificates the script made; the client's ca.pem, cert.pem and key.pem are in client/.</summary>
    public static string TlsDirectory => Setting("BRIOCHE_JOB_DOCKER_TLS_DIR", "/var/lib/brioche-job/docker-tls");

    public static string ClientCertPath => Path.Combine(TlsDirectory, "client");

    private readonly TempDirectory _config = new("bj-docker-config-");
    private readonly Dictionary<string, string?> _environment;

    private RemoteEngine(RemoteEngineMode mode, Dictionary<string, string?> environment)
    {
        Mode = mode;
        _environment = environment;
        _environment["DOCKER_CONFIG"] = _config.Path;
        foreach (var name in new[] { "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH" })
        {
            _environment.TryAdd(name, null);
        }
    }

    public RemoteEngineMode Mode { get; }

    public string Host => Mode is RemoteEngineMode.Tls or RemoteEngineMode.TlsContext ? TlsHost : TcpHost;

    public IReadOnlyDictionary<string, string?> Environment => _environment;

    public string? Get(string name) => _environment.GetValueOrDefault(name);

    public static async Task<RemoteEngine> StartAsync(RemoteEngineMode mode)
    {
        var engine = mode switch
        {
            RemoteEngineMode.Tcp => new RemoteEngine(mode, new() { ["DOCKER_HOST"] = TcpHost }),
            RemoteEngineMode.Tls => new RemoteEngine(mode, new()
            {
                ["DOCKER_HOST"] = TlsHost,
                ["DOCKER_TLS_VERIFY"] = "1",
                ["DOCKER_CERT_PATH"] = ClientCertPath,
            }),
            _ => new RemoteEngine(mode, new()),
        };
        if (mode is RemoteEngineMode.TcpContext or RemoteEngineMode.TlsContext)
        {
            // The docker CLI writes the context (meta.json, and the TLS files it copies), and makes it current.
            var docker = mode == RemoteEngineMode.TcpContext
                ? $"host={TcpHost}"
                : $"host={TlsHost},ca={ClientCertPath}/ca.pem,cert={ClientCertPath}/cert.pem,key={ClientCertPath}/key.pem";
            await engine.DockerCliAsync("context", "create", ContextName, "--docker", docker);
            await engine.DockerCliAsync("context", "use", ContextName);
        }

        return engine;
    }

    /// <summary>Runs the docker CLI in this environment; a failure fails the test.</summary>
    public async Task<ProcessResult> DockerCliAsync(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("docker", arguments, new ProcessRunOptions
        {
            Environment = _environment,
            Timeout = TimeSpan.FromMinutes(1),
        });
        result.ExitCode.ShouldBe(0, result.Describe());
        return result;
    }

    /// <summary>A client resolved from this environment alone, as the CLI and the tasks resolve theirs.</summary>
    public DockerEngineClient CreateClient() => DockerEngineClient.Create(getEnvironment: Get);

    /// <summary>The engine answers and has the base image; otherwise the test fails with the fix.</summary>
    public async Task RequireReadyAsync(DockerEngineClient client)
    {
        client.Endpoint.Host.ShouldBe(Host);
        (client.Endpoint.Tls is not null).ShouldBe(Mode is RemoteEngineMode.Tls or RemoteEngineMode.TlsContext);
        await client.PingAsync(DockerRecordingFixture.Timeout(30));
        (await client.InspectImageAsync(DockerRecordingFixture.BaseImage, DockerRecordingFixture.Timeout(30)))
            .ShouldNotBeNull($"{DockerRecordingFixture.BaseImage} is missing from the engine at {Host}: run eng/docker-engine.sh");
    }

    public void Dispose() => _config.Dispose();
}
