using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BriocheJob.Diagnostics;

namespace BriocheJob.Docker;

/// <summary>
/// TLS for a TCP engine, as the docker CLI sets it up: <c>ca.pem</c> (the CA the server's certificate must chain to),
/// <c>cert.pem</c> and <c>key.pem</c> (the client certificate dockerd's <c>--tlsverify</c> asks for). A missing file
/// is left out, as the CLI does: no <c>ca.pem</c> means the system's roots, no client pair means none is sent.
/// </summary>
/// <param name="VerifyServer">False for <c>DOCKER_TLS</c> without <c>DOCKER_TLS_VERIFY</c>, or a context's SkipTLSVerify.</param>
/// <param name="Directory">Where the files were looked for.</param>
/// <param name="Source">Which setting asked for TLS, for messages: "DOCKER_TLS_VERIFY", "context 'ci'".</param>
public sealed record DockerTls(bool VerifyServer, string? CaFile, string? CertFile, string? KeyFile, string Directory, string Source)
{
    public const string CaFileName = "ca.pem";
    public const string CertFileName = "cert.pem";
    public const string KeyFileName = "key.pem";

    /// <summary>
    /// TLS from the environment for a host named explicitly or by DOCKER_HOST: on when DOCKER_TLS_VERIFY or DOCKER_TLS
    /// is non-empty (verifying the server only with the former), with the files in DOCKER_CERT_PATH, else in the
    /// CLI's config directory. Null when neither is set.
    /// </summary>
    public static DockerTls? FromEnvironment(Func<string, string?> getEnvironment, string configDirectory)
    {
        var verify = !string.IsNullOrEmpty(getEnvironment("DOCKER_TLS_VERIFY"));
        if (!verify && string.IsNullOrEmpty(getEnvironment("DOCKER_TLS")))
        {
            return null;
        }

        var certPath = getEnvironment("DOCKER_CERT_PATH");
        return FromDirectory(string.IsNullOrWhiteSpace(certPath) ? configDirectory : certPath,
            verify, verify ? "DOCKER_TLS_VERIFY" : "DOCKER_TLS");
    }

    /// <summary>A context's TLS: the files <c>docker context create</c> copied into its TLS folder. Null when it has none.</summary>
    public static DockerTls? FromContext(string tlsDirectory, bool skipVerify, string source)
    {
        var any = new[] { CaFileName, CertFileName, KeyFileName }.Any(f => File.Exists(Path.Combine(tlsDirectory, f)));
        return any || skipVerify ? FromDirectory(tlsDirectory, !skipVerify, source) : null;
    }

    private static DockerTls FromDirectory(string directory, bool verify, string source)
    {
        string? Existing(string name) => Path.Combine(directory, name) is var path && File.Exists(path) ? path : null;
        var cert = Existing(CertFileName);
        var key = Existing(KeyFileName);
        if ((cert is null) != (key is null))
        {
            throw Catalog.Docker.TlsFilesIncomplete.Exception(source, CertFileName, KeyFileName, directory, cert is null ? CertFileName : KeyFileName);
        }

        return new DockerTls(verify, Existing(CaFileName), cert, key, directory, source);
    }

    /// <summary>
    /// The handshake options: the client certificate, and a server check against <see cref="CaFile"/> (its own root,
    /// not the system's) plus the host name. <paramref name="rejected"/> hears why a server certificate was refused.
    /// </summary>
    internal SslClientAuthenticationOptions CreateSslOptions(string targetHost, Action<string> rejected)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (CertFile is not null && KeyFile is not null)
        {
            var client = Load(CertFile, () => X509Certificate2.CreateFromPemFile(CertFile, KeyFile), "client certificate");
            options.ClientCertificateContext = SslStreamCertificateContext.Create(client, additionalCertificates: null, offline: true);
        }

        var trusted = CaFile is null ? null : Load(CaFile, () =>
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(CaFile);
            return collection.Count > 0 ? collection : throw new CryptographicException("it holds no certificate");
        }, "CA certificate");
        options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (!VerifyServer)
            {
                return true;
            }

            var problem = ServerCertificateProblem(targetHost, certificate, chain, errors, trusted);
            if (problem is not null)
            {
                rejected(problem);
            }

            return problem is null;
        };
        return options;
    }

    private string? ServerCertificateProblem(string targetHost, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection? trusted)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the engine sent no certificate";
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"its certificate ({certificate.Subject}) is not issued for {targetHost}";
        }

        if (trusted is null)
        {
            return errors == SslPolicyErrors.None ? null
                : $"its certificate ({certificate.Subject}) does not chain to a trusted root ({ChainStatus(chain)}) and there is no {CaFileName} in {Directory}";
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1")); // serverAuth
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf) ? null
            : $"its certificate ({certificate.Subject}) is not signed by the CA in {CaFile} ({ChainStatus(custom)})";
    }

    private static string ChainStatus(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0 ? "no chain"
            : string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());

    private T Load<T>(string path, Func<T> load, string what)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw Catalog.Docker.TlsFileUnloadable.ExceptionFrom(e, Source, what, path, e.Message.TrimEnd('.'));
        }
    }
}
