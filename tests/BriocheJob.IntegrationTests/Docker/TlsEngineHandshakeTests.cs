using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BriocheJob.DebugShells;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Docker;

/// <summary>
/// The TLS engine (dockerd --tlsverify, a CA made by eng/docker-remote-engines.sh) through a Docker context that holds
/// the TLS files, and the handshakes that must fail: an untrusted server, no client certificate, a protocol mismatch.
/// </summary>
public sealed class TlsEngineHandshakeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bj-tls-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static Func<string, string?> Env(params (string Name, string? Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    /// <summary>A folder with the given client files copied from the script's, and optionally a foreign ca.pem.</summary>
    private string CertFolder(bool clientPair, bool foreignCa)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, Guid.NewGuid().ToString("N")[..8])).FullName;
        if (clientPair)
        {
            File.Copy(Path.Combine(RemoteEngine.ClientCertPath, "cert.pem"), Path.Combine(folder, "cert.pem"));
            File.Copy(Path.Combine(RemoteEngine.ClientCertPath, "key.pem"), Path.Combine(folder, "key.pem"));
        }

        if (foreignCa)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=some other CA", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(Path.Combine(folder, "ca.pem"), ca.ExportCertificatePem());
        }
        else
        {
            File.Copy(Path.Combine(RemoteEngine.ClientCertPath, "ca.pem"), Path.Combine(folder, "ca.pem"));
        }

        return folder;
    }

    private static async Task<BriocheJobException> PingFailsAsync(Func<string, string?> environment)
    {
        using var client = DockerEngineClient.Create(getEnvironment: environment);
        return await Should.ThrowAsync<BriocheJobException>(() => client.PingAsync(DockerRecordingFixture.Timeout(30)));
    }

    [Fact]
    public async Task A_context_with_tls_files_builds_records_and_runs_a_debug_shell_on_the_tls_engine()
    {
        using var engine = await RemoteEngine.StartAsync(RemoteEngineMode.TlsContext);
        var client = engine.CreateClient();
        client.Endpoint.Source.ShouldBe($"context '{RemoteEngine.ContextName}'");
        client.Endpoint.Tls.ShouldNotBeNull().VerifyServer.ShouldBeTrue();
        // The files are the copies docker context create keeps, not the originals.
        client.Endpoint.Tls.CaFile.ShouldBe(Path.Combine(
            DockerHostResolver.ContextTlsDirectory(engine.Get("DOCKER_CONFIG")!, RemoteEngine.ContextName), "ca.pem"));
        await engine.RequireReadyAsync(client);

        using var fx = new DockerRecordingFixture(client);
        var marker = DockerRecordingFixture.NewMarker("bj-tls-ctx");
        fx.WriteDockerfile($"""
            FROM busybox:local
            ENV FOO={marker}
            RUN echo "{marker}" && exit 3
            """);
        var (outcome, build, _) = await fx.BuildAndRecordAsync(fx.Spec());
        outcome.End.ShouldBe(DockerBuildEnd.Failed);
        var job = DockerRecordingFixture.JobAtLine(build, 3);
        job.ExitCode.ShouldBe(3);
        DockerRecordingFixture.Output(await DockerRecordingFixture.ReadEventsAsync(job), BriocheJob.Brioche.OutputStream.Stdout)
            .ShouldBe(marker + "\n");

        var plan = DockerDebugShellPlan.For(job);
        var shell = new DockerDebugShell(client);
        try
        {
            await shell.BuildAsync(plan, DockerRecordingFixture.Timeout());
            var result = await shell.RunAsync(plan, ["sh", "-c", "echo $FOO"], DockerRecordingFixture.Timeout());
            result.ExitCode.ShouldBe(0, result.Stderr);
            result.Stdout.ShouldBe(marker + "\n");
        }
        finally
        {
            (await shell.RemoveImageAsync(plan)).ShouldBeTrue();
        }
    }

    [Fact]
    public async Task A_server_certificate_from_another_ca_is_refused_with_one_coded_error()
    {
        var folder = CertFolder(clientPair: true, foreignCa: true);

        var error = await PingFailsAsync(Env(("DOCKER_HOST", RemoteEngine.TlsHost), ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", folder), ("DOCKER_CONFIG", _root)));

        error.Code.ShouldBe(Catalog.Docker.TlsFailed.Code);
        error.Kind.ShouldBe(ErrorKind.Unavailable);
        error.Message.ShouldContain(RemoteEngine.TlsHost);
        error.Message.ShouldContain($"is not signed by the CA in {Path.Combine(folder, "ca.pem")}");
        error.Message.ShouldNotContain("\n");
    }

    [Fact]
    public async Task Without_a_client_certificate_the_engine_refuses_and_the_error_says_none_was_sent()
    {
        var folder = CertFolder(clientPair: false, foreignCa: false);

        var error = await PingFailsAsync(Env(("DOCKER_HOST", RemoteEngine.TlsHost), ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", folder), ("DOCKER_CONFIG", _root)));

        error.Code.ShouldBe(Catalog.Docker.TlsFailed.Code, error.Message);
        error.Message.ShouldContain($"no client certificate was sent, as there is no cert.pem in {folder}");
    }

    [Fact]
    public async Task Tls_to_the_plain_tcp_engine_fails_the_handshake_and_plain_http_to_the_tls_engine_is_refused()
    {
        var tlsToPlain = await PingFailsAsync(Env(("DOCKER_HOST", RemoteEngine.TcpHost), ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", RemoteEngine.ClientCertPath), ("DOCKER_CONFIG", _root)));
        tlsToPlain.Code.ShouldBe(Catalog.Docker.TlsFailed.Code, tlsToPlain.Message);
        tlsToPlain.Message.ShouldContain("does the engine speak TLS there");

        var plainToTls = await PingFailsAsync(Env(("DOCKER_HOST", RemoteEngine.TlsHost), ("DOCKER_CONFIG", _root)));
        plainToTls.Code.ShouldBe(Catalog.Docker.TlsFailed.Code);
        plainToTls.Message.ShouldContain(RemoteEngine.TlsHost);
        plainToTls.Message.ShouldContain("DOCKER_TLS_VERIFY");
    }

    [Fact]
    public async Task Tls_with_the_scripts_client_certificate_negotiates_the_api()
    {
        using var client = DockerEngineClient.Create(getEnvironment: Env(("DOCKER_HOST", RemoteEngine.TlsHost),
            ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", RemoteEngine.ClientCertPath), ("DOCKER_CONFIG", _root)));
        client.Endpoint.Describe().ShouldBe("TLS, from DOCKER_HOST");

        var ping = await client.PingAsync(DockerRecordingFixture.Timeout(30));

        ping.OsType.ShouldBe("linux");
        client.ApiVersion.ShouldNotBeNull();
    }
}
