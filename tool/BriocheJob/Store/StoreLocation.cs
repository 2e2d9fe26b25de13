using System.Text;
using BriocheJob.Diagnostics;
using Npgsql;

namespace BriocheJob.Store;

/// <summary>
/// Which job store to use: the embedded SQLite file in the data home (the default), or a PostgreSQL server given as
/// a <c>postgresql://user@host:port/db?sslmode=…</c> URI or an Npgsql connection string. Passwords come from the URI
/// or connection string, else <c>PGPASSWORD</c>, else <c>~/.pgpass</c> (<c>PGPASSFILE</c>), as libpq's tools do.
/// <see cref="Display"/> never holds the password, and <see cref="Redact"/> removes it from any text we print.
/// </summary>
public sealed class StoreLocation
{
    /// <summary>The environment variable naming the store (the MSBuild property is <c>BriocheJobStore</c>).</summary>
    public const string StoreVariable = "BRIOCHE_JOB_STORE";

    private const string Redacted = "********";

    private readonly string? _password;

    private StoreLocation(string? connectionString, string display, string? password)
    {
        ConnectionString = connectionString;
        Display = display;
        _password = password;
    }

    /// <summary>The embedded store in the data home.</summary>
    public static StoreLocation Embedded { get; } = new(null, "sqlite", null);

    /// <summary>True for a PostgreSQL server.</summary>
    public bool IsServer => ConnectionString is not null;

    /// <summary>The Npgsql connection string, password included: never print it.</summary>
    internal string? ConnectionString { get; }

    /// <summary>The location without its password, fit for messages: <c>postgresql://user@host:port/db</c>.</summary>
    public string Display { get; }

    /// <summary>The store named by <c>--store</c> (<paramref name="explicitValue"/>), else <c>BRIOCHE_JOB_STORE</c>, else the embedded one.</summary>
    public static StoreLocation Resolve(string? explicitValue, Func<string, string?> getVariable)
    {
        string? text = !string.IsNullOrWhiteSpace(explicitValue) ? explicitValue : getVariable(StoreVariable);
        return string.IsNullOrWhiteSpace(text) ? Embedded : Parse(text.Trim());
    }

    /// <summary>
    /// Parses <c>sqlite</c> (the embedded store), a <c>postgresql://</c> or <c>postgres://</c> URI, or an Npgsql
    /// connection string (<c>Host=…;Database=…</c>). Errors are BJ1103 and never echo a password.
    /// </summary>
    public static StoreLocation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text is "sqlite" or "embedded")
        {
            return Embedded;
        }

        NpgsqlConnectionStringBuilder builder = text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) ||
            text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            ? FromUri(text)
            : FromConnectionString(text);
        if (string.IsNullOrEmpty(builder.Host))
        {
            throw Invalid("it names no host");
        }

        string? secret = string.IsNullOrEmpty(builder.Password) ? null : builder.Password;
        builder.ApplicationName ??= "brioche-job";
        return new StoreLocation(builder.ConnectionString, DisplayOf(builder), secret);
    }

    /// <summary>Replaces the password, wherever it appears in <paramref name="text"/>, with asterisks.</summary>
    public string Redact(string text)
    {
        string result = text;
        foreach (string? secret in (string?[])[_password, Environment.GetEnvironmentVariable("PGPASSWORD")])
        {
            if (!string.IsNullOrEmpty(secret) && secret.Length >= 1)
            {
                result = result.Replace(secret, Redacted, StringComparison.Ordinal);
            }
        }

        return result;
    }

    public override string ToString() => Display;

    private static NpgsqlConnectionStringBuilder FromConnectionString(string text)
    {
        if (!text.Contains('=', StringComparison.Ordinal))
        {
            throw Invalid("it is neither 'sqlite', a postgresql:// URI nor a connection string (Host=…;Database=…)");
        }

        try
        {
            return new NpgsqlConnectionStringBuilder(text);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            // The message of the parser may quote the text, password included: name the problem only.
            throw Invalid("the connection string has a key or value Npgsql does not accept");
        }
    }

    private static NpgsqlConnectionStringBuilder FromUri(string text)
    {
        int schemeEnd = text.IndexOf("://", StringComparison.Ordinal) + 3;
        string rest = text[schemeEnd..];
        string query = "";
        int q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        string path = "";
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            path = rest[(slash + 1)..];
            rest = rest[..slash];
        }

        var builder = new NpgsqlConnectionStringBuilder();
        int at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            string userInfo = rest[..at];
            rest = rest[(at + 1)..];
            int colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            string user = colon >= 0 ? userInfo[..colon] : userInfo;
            if (user.Length > 0)
            {
                builder.Username = Decode(user);
            }

            if (colon >= 0)
            {
                builder.Password = Decode(userInfo[(colon + 1)..]);
            }
        }

        string host = rest;
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Invalid("the URI's IPv6 host has no closing ']'");
            }

            string after = host[(close + 1)..];
            host = host[1..close];
            if (after.StartsWith(':'))
            {
                builder.Port = ParsePort(after[1..]);
            }
        }
        else
        {
            int colon = host.LastIndexOf(':');
            if (colon >= 0)
            {
                builder.Port = ParsePort(host[(colon + 1)..]);
                host = host[..colon];
            }
        }

        builder.Host = host.Length > 0 ? Decode(host) : "localhost";
        if (path.Length > 0)
        {
            builder.Database = Decode(path);
        }

        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string key = Decode(eq >= 0 ? pair[..eq] : pair);
            string value = eq >= 0 ? Decode(pair[(eq + 1)..]) : "";
            ApplyUriParameter(builder, key, value);
        }

        return builder;
    }

    private static void ApplyUriParameter(NpgsqlConnectionStringBuilder builder, string key, string value)
    {
        switch (key)
        {
            case "sslmode":
                builder.SslMode = value switch
                {
                    "disable" => SslMode.Disable,
                    "allow" => SslMode.Allow,
                    "prefer" => SslMode.Prefer,
                    "require" => SslMode.Require,
                    "verify-ca" => SslMode.VerifyCA,
                    "verify-full" => SslMode.VerifyFull,
                    _ => throw Invalid($"sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
                };
                break;
            case "sslrootcert":
                builder.RootCertificate = value;
                break;
            case "sslcert":
                builder.SslCertificate = value;
                break;
            case "sslkey":
                builder.SslKey = value;
                break;
            case "connect_timeout":
                builder.Timeout = int.TryParse(value, out int seconds) && seconds >= 0
                    ? seconds
                    : throw Invalid($"connect_timeout '{value}' is not a number of seconds");
                break;
            case "application_name":
                builder.ApplicationName = value;
                break;
            case "user":
                builder.Username = value;
                break;
            case "password":
                builder.Password = value;
                break;
            case "dbname":
                builder.Database = value;
                break;
            case "host":
                builder.Host = value;
                break;
            case "port":
                builder.Port = ParsePort(value);
                break;
            case "passfile":
                builder.Passfile = value;
                break;
            default:
                throw Invalid($"the URI parameter '{key}' is not supported (sslmode, sslrootcert, sslcert, sslkey, " +
                    "connect_timeout, application_name, user, password, dbname, host, port, passfile)");
        }
    }

    private static int ParsePort(string text) =>
        int.TryParse(text, out int port) && port is > 0 and < 65536 ? port : throw Invalid($"the port '{text}' is not a TCP port");

    private static string Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            throw Invalid("the URI has a bad %-escape");
        }
    }

    private static string DisplayOf(NpgsqlConnectionStringBuilder builder)
    {
        var text = new StringBuilder("postgresql://");
        if (!string.IsNullOrEmpty(builder.Username))
        {
            text.Append(Uri.EscapeDataString(builder.Username)).Append('@');
        }

        string host = builder.Host ?? "localhost";
        text.Append(host.Contains(':', StringComparison.Ordinal) && !host.Contains(',', StringComparison.Ordinal) ? $"[{host}]" : host);
        text.Append(':').Append(builder.Port);
        if (!string.IsNullOrEmpty(builder.Database))
        {
            text.Append('/').Append(Uri.EscapeDataString(builder.Database));
        }

        if (builder.SslMode != SslMode.Prefer)
        {
            text.Append("?sslmode=").Append(builder.SslMode switch
            {
                SslMode.Disable => "disable",
                SslMode.Allow => "allow",
                SslMode.Require => "require",
                SslMode.VerifyCA => "verify-ca",
                SslMode.VerifyFull => "verify-full",
                _ => "prefer",
            });
        }

        return text.ToString();
    }

    private static BriocheJobException Invalid(string why) =>
        Catalog.Server.InvalidLocation.Exception(why);
}
