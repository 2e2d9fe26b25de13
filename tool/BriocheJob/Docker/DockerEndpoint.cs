using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BriocheJob.Diagnostics;

namespace BriocheJob.Docker;

/// <summary>Where the Docker engine listens, and which setting said so (for error messages).</summary>
public sealed record DockerEndpoint
{
    public const string DefaultHost = "unix:///var/run/docker.sock";

    private DockerEndpoint(string host, string source, string? socketPath, string? tcpHost, int tcpPort, DockerTls? tls)
    {
        Host = host;
        Source = source;
        SocketPath = socketPath;
        TcpHost = tcpHost;
        TcpPort = tcpPort;
        Tls = tls;
    }

    /// <summary>The host string as given, e.g. <c>unix:///var/run/docker.sock</c> or <c>tcp://10.0.0.2:2375</c>.</summary>
    public string Host { get; }

    /// <summary>Which setting chose the host: "explicit", "DOCKER_HOST", "context 'x'", "default".</summary>
    public string Source { get; }

    /// <summary>The unix socket path, or null for TCP.</summary>
    public string? SocketPath { get; }

    public string? TcpHost { get; }

    public int TcpPort { get; }

    public bool IsUnixSocket => SocketPath is not null;

    /// <summary>How a TCP engine is reached over TLS, or null for plain HTTP (and always for a unix socket).</summary>
    public DockerTls? Tls { get; }

    /// <summary>"TLS, from DOCKER_HOST": for messages.</summary>
    public string Describe() => Tls is null ? $"from {Source}" : $"TLS, from {Source}";

    /// <summary>
    /// Parses <c>unix://path</c>, <c>tcp://host[:port]</c> or a bare absolute socket path. A TCP port defaults to 2375,
    /// or 2376 with TLS, as the docker CLI does. <paramref name="tls"/> applies to TCP hosts only.
    /// </summary>
    public static DockerEndpoint Parse(string host, string source = "explicit", DockerTls? tls = null)
    {
        var trimmed = host.Trim();
        if (trimmed.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            var path = trimmed["unix://".Length..];
            if (path.Length == 0 || path[0] != '/')
            {
                throw BadHost(host, source, "a unix socket path must be absolute, as in unix:///var/run/docker.sock");
            }

            return new DockerEndpoint(trimmed, source, path, null, 0, null);
        }

        if (trimmed.StartsWith('/'))
        {
            return new DockerEndpoint("unix://" + trimmed, source, trimmed, null, 0, null);
        }

        if (trimmed.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate("http://" + trimmed[(trimmed.IndexOf("://", StringComparison.Ordinal) + 3)..], UriKind.Absolute, out var uri)
                || uri.Host.Length == 0)
            {
                throw BadHost(host, source, "expected tcp://host:port");
            }

            var port = !uri.IsDefaultPort ? uri.Port : tls is null ? 2375 : 2376;
            return new DockerEndpoint(trimmed, source, null, uri.Host, port, tls);
        }

        throw BadHost(host, source, "only unix:// and tcp:// hosts are supported");
    }

    private static BriocheJobException BadHost(string host, string source, string why) =>
        Catalog.Docker.BadHost.Exception(host, source, why);

    public override string ToString() => Host;
}

/// <summary>
/// Finds the engine the way the docker CLI does: an explicit host, then DOCKER_HOST, then DOCKER_CONTEXT,
/// then <c>currentContext</c> in the CLI config, then the default socket. A TCP host given explicitly or by
/// DOCKER_HOST uses TLS when DOCKER_TLS_VERIFY or DOCKER_TLS is set, with the files in DOCKER_CERT_PATH; a context
/// uses the TLS files stored with it.
/// </summary>
public static class DockerHostResolver
{
    /// <param name="explicitHost">A host given by the caller (MSBuild property <c>DockerHost</c>); wins when set.</param>
    /// <param name="getEnvironment">Reads an environment variable; the process environment when null.</param>
    /// <param name="homeDirectory">The user's home, for <c>~/.docker</c>; the real home when null.</param>
    public static DockerEndpoint Resolve(
        string? explicitHost = null,
        Func<string, string?>? getEnvironment = null,
        string? homeDirectory = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        var configDirectory = getEnvironment("DOCKER_CONFIG");
        if (string.IsNullOrWhiteSpace(configDirectory))
        {
            homeDirectory ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            configDirectory = Path.Combine(homeDirectory, ".docker");
        }

        if (!string.IsNullOrWhiteSpace(explicitHost))
        {
            return DockerEndpoint.Parse(explicitHost, "explicit", DockerTls.FromEnvironment(getEnvironment, configDirectory));
        }

        var dockerHost = getEnvironment("DOCKER_HOST");
        if (!string.IsNullOrWhiteSpace(dockerHost))
        {
            return DockerEndpoint.Parse(dockerHost, "DOCKER_HOST", DockerTls.FromEnvironment(getEnvironment, configDirectory));
        }

        var contextName = getEnvironment("DOCKER_CONTEXT");
        var contextSource = "DOCKER_CONTEXT";
        if (string.IsNullOrWhiteSpace(contextName))
        {
            contextName = ReadCurrentContext(Path.Combine(configDirectory, "config.json"));
            contextSource = "currentContext in " + Path.Combine(configDirectory, "config.json");
        }

        if (!string.IsNullOrWhiteSpace(contextName) && contextName != "default")
        {
            return ReadContextEndpoint(configDirectory, contextName, contextSource);
        }

        return DockerEndpoint.Parse(DockerEndpoint.DefaultHost, "default");
    }

    /// <summary>The folder holding a context's meta.json: contexts are stored under the SHA-256 of their name.</summary>
    public static string ContextMetaDirectory(string configDirectory, string contextName) =>
        Path.Combine(configDirectory, "contexts", "meta", ContextDirectoryName(contextName));

    /// <summary>The folder holding a context's TLS files for the docker endpoint (ca.pem, cert.pem, key.pem).</summary>
    public static string ContextTlsDirectory(string configDirectory, string contextName) =>
        Path.Combine(configDirectory, "contexts", "tls", ContextDirectoryName(contextName), "docker");

    private static string ContextDirectoryName(string contextName) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(contextName)));

    private static string? ReadCurrentContext(string configPath)
    {
        if (!File.Exists(configPath))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(configPath));
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty("currentContext", out var current)
                   && current.ValueKind == JsonValueKind.String
                ? current.GetString()
                : null;
        }
        catch (JsonException e)
        {
            throw Catalog.Docker.CliConfigNotJson.Exception(configPath, e.Message);
        }
    }

    private static DockerEndpoint ReadContextEndpoint(string configDirectory, string contextName, string contextSource)
    {
        var metaPath = Path.Combine(ContextMetaDirectory(configDirectory, contextName), "meta.json");
        if (!File.Exists(metaPath))
        {
            throw Catalog.Docker.NoSuchContext.Exception(contextName, contextSource, metaPath);
        }

        string? host = null;
        var skipTlsVerify = false;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(metaPath));
            if (document.RootElement.TryGetProperty("Endpoints", out var endpoints)
                && endpoints.TryGetProperty("docker", out var docker))
            {
                if (docker.TryGetProperty("Host", out var hostElement) && hostElement.ValueKind == JsonValueKind.String)
                {
                    host = hostElement.GetString();
                }

                skipTlsVerify = docker.TryGetProperty("SkipTLSVerify", out var skip) && skip.ValueKind == JsonValueKind.True;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw Catalog.Docker.ContextUnreadable.Exception(contextName, metaPath, e.Message);
        }

        if (string.IsNullOrWhiteSpace(host))
        {
            throw Catalog.Docker.ContextWithoutHost.Exception(contextName, metaPath);
        }

        var source = $"context '{contextName}'";
        return DockerEndpoint.Parse(host, source,
            DockerTls.FromContext(ContextTlsDirectory(configDirectory, contextName), skipTlsVerify, source));
    }
}
