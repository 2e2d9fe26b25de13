using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BriocheJob.Diagnostics;

namespace BriocheJob.Docker;

/// <summary>
/// The Docker Engine HTTP API over a unix socket, TCP, or TCP with TLS (client certificate, and the server checked
/// against the endpoint's own CA). Negotiates the API version on first use.
/// </summary>
public sealed class DockerEngineClient : IDisposable
{
    /// <summary>The newest API version we speak; older engines get their own version.</summary>
    public static readonly Version MaxApiVersion = new(1, 47);

    /// <summary>What the engine is assumed to speak when it does not say (the oldest version with API-Version).</summary>
    private static readonly Version FallbackApiVersion = new(1, 24);

    private readonly HttpClient _http;
    private readonly SemaphoreSlim _negotiation = new(1, 1);
    private Version? _apiVersion;
    private volatile string? _tlsRejection;

    public DockerEngineClient(DockerEndpoint endpoint, TimeSpan? connectTimeout = null)
    {
        Endpoint = endpoint;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        if (endpoint.SocketPath is { } socketPath)
        {
            handler.ConnectCallback = (_, cancellationToken) => ConnectUnixAsync(socketPath, cancellationToken);
        }
        else if (endpoint.Tls is { } tls)
        {
            handler.SslOptions = tls.CreateSslOptions(endpoint.TcpHost!, reason => _tlsRejection = reason);
        }
        // Builds and waits run as long as they run; callers cancel through their token.
        _http = new HttpClient(handler)
        {
            BaseAddress = endpoint.IsUnixSocket
                ? new Uri("http://docker.sock")
                : new UriBuilder(endpoint.Tls is null ? "http" : "https", endpoint.TcpHost, endpoint.TcpPort).Uri,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>
    /// Resolves the engine from <paramref name="explicitHost"/>, DOCKER_HOST or the Docker context, with TLS from
    /// DOCKER_TLS_VERIFY/DOCKER_CERT_PATH or the context (<paramref name="getEnvironment"/>: the process's when null).
    /// </summary>
    public static DockerEngineClient Create(string? explicitHost = null, Func<string, string?>? getEnvironment = null) =>
        new(DockerHostResolver.Resolve(explicitHost, getEnvironment));

    public DockerEndpoint Endpoint { get; }

    /// <summary>The negotiated API version, or null before the first request.</summary>
    public Version? ApiVersion => _apiVersion;

    private static async ValueTask<Stream> ConnectUnixAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>GET /_ping: checks the engine answers and negotiates min(engine, ours) as the API version.</summary>
    public async Task<DockerPing> PingAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_ping");
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken)
            .ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw EngineError("GET /_ping", response.StatusCode, body);
        }

        Version? engineVersion = null;
        if (response.Headers.TryGetValues("API-Version", out var values)
            && Version.TryParse(values.FirstOrDefault(), out var parsed))
        {
            engineVersion = parsed;
        }

        var negotiated = engineVersion is null ? FallbackApiVersion
            : engineVersion < MaxApiVersion ? engineVersion : MaxApiVersion;
        _apiVersion = negotiated;
        response.Headers.TryGetValues("OSType", out var osTypes);
        return new DockerPing(engineVersion, negotiated, osTypes?.FirstOrDefault(),
            response.Headers.Server.ToString());
    }

    /// <summary>
    /// POST /build with BuildKit (<c>version=2</c>). The context tar is produced by <paramref name="writeContext"/>
    /// straight into the request body, so it is never held in memory. Returns once the engine accepted the build;
    /// the progress follows as JSON lines from <see cref="DockerBuildResponse.ReadLinesAsync"/>.
    /// </summary>
    public async Task<DockerBuildResponse> BuildAsync(
        DockerBuildRequest request,
        Func<Stream, CancellationToken, Task> writeContext,
        CancellationToken cancellationToken = default)
    {
        var path = await VersionedAsync("/build" + request.ToQueryString(), cancellationToken).ConfigureAwait(false);
        var message = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StreamingContent(writeContext, "application/x-tar"),
        };
        HttpResponseMessage? response = null;
        try
        {
            response = await SendRawAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
                .ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                throw EngineError("POST /build", response.StatusCode, body);
            }

            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var result = new DockerBuildResponse(request.BuildId, message, response, stream);
            response = null;
            return result;
        }
        finally
        {
            if (response is not null)
            {
                response.Dispose();
                message.Dispose();
            }
        }
    }

    /// <summary>POST /build/cancel: asks the engine to stop the build started with <paramref name="buildId"/>.</summary>
    public async Task CancelBuildAsync(string buildId, CancellationToken cancellationToken = default)
    {
        using var _ = await SendAsync(HttpMethod.Post, "/build/cancel?id=" + Uri.EscapeDataString(buildId), null,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GET /images/{name}/json, or null when the image does not exist.</summary>
    public async Task<JsonObject?> InspectImageAsync(string image, CancellationToken cancellationToken = default)
    {
        var path = "/images/" + Uri.EscapeDataString(image) + "/json";
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken, allowNotFound: true)
            .ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        return await ReadObjectAsync(response, "GET " + path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>DELETE /images/{name}?force=1. Returns false when the image did not exist.</summary>
    public async Task<bool> RemoveImageAsync(string image, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, "/images/" + Uri.EscapeDataString(image) + "?force=1",
            null, cancellationToken, allowNotFound: true).ConfigureAwait(false);
        return response.StatusCode != HttpStatusCode.NotFound;
    }

    /// <summary>GET /images/json filtered by <c>reference</c>: the repo tags (<c>name:tag</c>) of every matching image.</summary>
    public async Task<IReadOnlyList<string>> ListImageTagsAsync(string reference, CancellationToken cancellationToken = default)
    {
        var filters = new JsonObject { ["reference"] = new JsonArray(reference) }.ToJsonString();
        var path = "/images/json?filters=" + Uri.EscapeDataString(filters);
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var tags = new List<string>();
        if (JsonNode.Parse(text) is JsonArray images)
        {
            foreach (var image in images.OfType<JsonObject>())
            {
                if (image["RepoTags"] is JsonArray repoTags)
                {
                    tags.AddRange(repoTags.Select(t => t?.GetValue<string>()).OfType<string>());
                }
            }
        }

        return tags;
    }

    /// <summary>
    /// DELETE /images/{name} without force: false when the engine refuses because a container uses the image
    /// (409), or when it does not exist.
    /// </summary>
    public async Task<bool> TryRemoveUnusedImageAsync(string image, CancellationToken cancellationToken = default)
    {
        var path = await VersionedAsync("/images/" + Uri.EscapeDataString(image), cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Delete, path);
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken)
            .ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return false;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        throw EngineError("DELETE /images", response.StatusCode, text);
    }

    /// <summary>POST /containers/create; returns the container id.</summary>
    public async Task<string> CreateContainerAsync(ContainerRunRequest request, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject
        {
            ["Image"] = request.Image,
            ["Cmd"] = new JsonArray(request.Command.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
            ["Env"] = new JsonArray(request.Environment.Select(e => (JsonNode?)JsonValue.Create($"{e.Key}={e.Value}")).ToArray()),
            ["AttachStdout"] = true,
            ["AttachStderr"] = true,
            ["Tty"] = false,
            ["HostConfig"] = new JsonObject { ["NetworkMode"] = request.NetworkMode },
        };
        if (!string.IsNullOrEmpty(request.WorkingDirectory))
        {
            body["WorkingDir"] = request.WorkingDirectory;
        }

        if (!string.IsNullOrEmpty(request.User))
        {
            body["User"] = request.User;
        }

        if (request.Entrypoint is { } entrypoint)
        {
            body["Entrypoint"] = new JsonArray(entrypoint.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());
        }

        using var response = await SendAsync(HttpMethod.Post, "/containers/create", body, cancellationToken)
            .ConfigureAwait(false);
        var created = await ReadObjectAsync(response, "POST /containers/create", cancellationToken).ConfigureAwait(false);
        return created["Id"]?.GetValue<string>()
               ?? throw Catalog.Docker.NoContainerId.Exception(Endpoint.Host);
    }

    public async Task StartContainerAsync(string containerId, CancellationToken cancellationToken = default)
    {
        using var _ = await SendAsync(HttpMethod.Post, $"/containers/{Uri.EscapeDataString(containerId)}/start", null,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POST /containers/{id}/wait; returns the exit code.</summary>
    public async Task<long> WaitContainerAsync(string containerId, CancellationToken cancellationToken = default)
    {
        var path = $"/containers/{Uri.EscapeDataString(containerId)}/wait";
        using var response = await SendAsync(HttpMethod.Post, path, null, cancellationToken).ConfigureAwait(false);
        var result = await ReadObjectAsync(response, "POST " + path, cancellationToken).ConfigureAwait(false);
        if (result["Error"]?["Message"]?.GetValue<string>() is { Length: > 0 } error)
        {
            throw Catalog.Docker.EngineError.Exception(Endpoint.Host, $"could not wait for container {containerId}", error);
        }

        return result["StatusCode"]?.GetValue<long>()
               ?? throw Catalog.Docker.NoStatusCode.Exception(Endpoint.Host, containerId);
    }

    /// <summary>GET /containers/{id}/logs for a container without a TTY: stdout and stderr, demultiplexed.</summary>
    public async Task<(string Stdout, string Stderr)> GetContainerLogsAsync(
        string containerId, CancellationToken cancellationToken = default)
    {
        var path = $"/containers/{Uri.EscapeDataString(containerId)}/logs?stdout=1&stderr=1";
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        await ContainerLogDemultiplexer.CopyAsync(stream, stdout, stderr, cancellationToken).ConfigureAwait(false);
        return (Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    /// <summary>DELETE /containers/{id}?force=1. Returns false when it did not exist.</summary>
    public async Task<bool> RemoveContainerAsync(string containerId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"/containers/{Uri.EscapeDataString(containerId)}?force=1",
            null, cancellationToken, allowNotFound: true).ConfigureAwait(false);
        return response.StatusCode != HttpStatusCode.NotFound;
    }

    /// <summary>Runs one command non-interactively in a fresh container, captures its output, then removes it.</summary>
    public async Task<ContainerRunResult> RunAsync(ContainerRunRequest request, CancellationToken cancellationToken = default)
    {
        var id = await CreateContainerAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await StartContainerAsync(id, cancellationToken).ConfigureAwait(false);
            var exitCode = await WaitContainerAsync(id, cancellationToken).ConfigureAwait(false);
            var (stdout, stderr) = await GetContainerLogsAsync(id, cancellationToken).ConfigureAwait(false);
            return new ContainerRunResult(exitCode, stdout, stderr);
        }
        finally
        {
            // Cleanup must happen even when the caller cancelled.
            try { await RemoveContainerAsync(id, CancellationToken.None).ConfigureAwait(false); }
            catch (BriocheJobException) { }
        }
    }

    private async Task<string> VersionedAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        if (_apiVersion is null)
        {
            await _negotiation.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_apiVersion is null)
                {
                    await PingAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                _negotiation.Release();
            }
        }

        return $"/v{_apiVersion!.Major}.{_apiVersion.Minor}{pathAndQuery}";
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, JsonNode? body,
        CancellationToken cancellationToken, bool allowNotFound = false)
    {
        var path = await VersionedAsync(pathAndQuery, cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);
        if (response.IsSuccessStatusCode || (allowNotFound && response.StatusCode == HttpStatusCode.NotFound))
        {
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var operation = $"{method} {pathAndQuery.Split('?')[0]}";
            throw EngineError(operation, response.StatusCode, text);
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion,
        CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or OperationCanceledException)
        {
            throw Unreachable(e);
        }
    }

    private BriocheJobException Unreachable(Exception e)
    {
        // The innermost message names the cause (No such file or directory, Connection refused) without a stack trace.
        var cause = e;
        while (cause.InnerException is not null)
        {
            cause = cause.InnerException;
        }

        if (Endpoint.Tls is { } tls && IsTlsFailure(e))
        {
            var why = _tlsRejection is { } rejection ? "the engine's certificate was refused: " + rejection
                : tls.CertFile is null
                    ? $"{cause.Message.TrimEnd('.')}; no client certificate was sent, as there is no {DockerTls.CertFileName} in {tls.Directory}"
                    : $"{cause.Message.TrimEnd('.')}; does the engine speak TLS there, and does it trust the CA of {tls.CertFile}?";
            return Catalog.Docker.TlsFailed.ExceptionFrom(e, Endpoint.Host, Endpoint.Describe(), why);
        }

        var reason = Endpoint.SocketPath is { } socketPath && !File.Exists(socketPath)
            ? $"the socket {socketPath} does not exist (is dockerd running?)"
            : cause is OperationCanceledException or TimeoutException ? "the connection timed out"
            : cause.Message.TrimEnd('.');
        return Catalog.Docker.EngineUnreachable.ExceptionFrom(e, Endpoint.Host, Endpoint.Describe(), reason);
    }

    /// <summary>A handshake that failed: our check refused the server, or the server closed on us during the handshake.</summary>
    private static bool IsTlsFailure(Exception e)
    {
        // Under TLS 1.3 the server checks our certificate after the client's handshake is done, so its refusal
        // (an OpenSSL alert) arrives as an IOException on the first read rather than an AuthenticationException.
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Security.Authentication.AuthenticationException
                || inner.Message.Contains("SSL routines", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private BriocheJobException EngineError(string operation, HttpStatusCode status, string body)
    {
        var message = ExtractMessage(body);
        if (status == HttpStatusCode.BadRequest && Endpoint.Tls is null && message.Contains("HTTPS server", StringComparison.Ordinal))
        {
            return Catalog.Docker.EngineOnlySpeaksTls.Exception(Endpoint.Host, Endpoint.Describe(), DockerTls.CaFileName, DockerTls.CertFileName, DockerTls.KeyFileName);
        }

        var diagnostic = status == HttpStatusCode.NotFound ? Catalog.Docker.NotFound : Catalog.Docker.EngineError;
        return diagnostic.Exception(Endpoint.Host, $"refused {operation} ({(int)status})", message);
    }

    /// <summary>The engine's errors are <c>{"message":"…"}</c>; anything else is shown as text on one line.</summary>
    internal static string ExtractMessage(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject o && o["message"] is JsonValue v && v.TryGetValue<string>(out var m))
            {
                return m.Trim();
            }
        }
        catch (JsonException)
        {
        }

        var text = body.ReplaceLineEndings(" ").Trim();
        return text.Length == 0 ? "(no message)" : text;
    }

    private async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response, string operation,
        CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (JsonNode.Parse(text) is JsonObject o)
            {
                return o;
            }
        }
        catch (JsonException)
        {
        }

        throw Catalog.Docker.BadResponse.Exception(Endpoint.Host, operation);
    }

    public void Dispose()
    {
        _http.Dispose();
        _negotiation.Dispose();
    }

    /// <summary>A request body written by a callback as the request is sent; length unknown, so chunked.</summary>
    private sealed class StreamingContent : HttpContent
    {
        private readonly Func<Stream, CancellationToken, Task> _write;

        public StreamingContent(Func<Stream, CancellationToken, Task> write, string mediaType)
        {
            _write = write;
            Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            _write(stream, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context,
            CancellationToken cancellationToken) =>
            _write(stream, cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}

/// <summary>What <c>/_ping</c> told us.</summary>
public sealed record DockerPing(Version? EngineApiVersion, Version NegotiatedApiVersion, string? OsType, string? Server);

/// <summary>An accepted build: its id (for <see cref="DockerEngineClient.CancelBuildAsync"/>) and its JSON-lines progress.</summary>
public sealed class DockerBuildResponse : IAsyncDisposable, IDisposable
{
    private readonly HttpRequestMessage _request;
    private readonly HttpResponseMessage _response;

    internal DockerBuildResponse(string buildId, HttpRequestMessage request, HttpResponseMessage response, Stream body)
    {
        BuildId = buildId;
        _request = request;
        _response = response;
        Body = body;
    }

    public string BuildId { get; }

    /// <summary>The raw response body: JSON lines as the engine writes them. Disposing drops the connection, which cancels the build.</summary>
    public Stream Body { get; }

    /// <summary>The response as it arrives, one JSON object per item (blank lines skipped; not decoded).</summary>
    public async IAsyncEnumerable<string> ReadLinesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false,
            bufferSize: 64 * 1024, leaveOpen: true);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw ClosedEarly(e);
            }

            if (line is null)
            {
                yield break;
            }

            if (line.Length > 0 && !string.IsNullOrWhiteSpace(line))
            {
                yield return line;
            }
        }
    }

    /// <summary>The error for a progress stream (<see cref="Body"/>) that failed while being read.</summary>
    public BriocheJobException ClosedEarly(Exception e) => Catalog.Docker.StreamClosedEarly.ExceptionFrom(e, BuildId, e.Message);

    public void Dispose()
    {
        Body.Dispose();
        _response.Dispose();
        _request.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Splits the 8-byte-framed stdout/stderr stream Docker sends for containers without a TTY.</summary>
internal static class ContainerLogDemultiplexer
{
    public static async Task CopyAsync(Stream source, Stream stdout, Stream stderr, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        var buffer = new byte[81920];
        while (true)
        {
            var read = await source.ReadAtLeastAsync(header, 8, throwOnEndOfStream: false, cancellationToken)
                .ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            if (read < 8)
            {
                throw Catalog.Docker.TruncatedLogFrame.Exception("frame header");
            }

            var size = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            var target = header[0] == 2 ? stderr : stdout;
            while (size > 0)
            {
                var chunk = await source.ReadAsync(buffer.AsMemory(0, Math.Min(size, buffer.Length)), cancellationToken)
                    .ConfigureAwait(false);
                if (chunk == 0)
                {
                    throw Catalog.Docker.TruncatedLogFrame.Exception("frame");
                }

                await target.WriteAsync(buffer.AsMemory(0, chunk), cancellationToken).ConfigureAwait(false);
                size -= chunk;
            }
        }
    }
}
