using BriocheJob.Store;
using Npgsql;

namespace BriocheJob.TestSupport;

/// <summary>
/// The test cluster eng/postgres.sh starts (127.0.0.1:54329, superuser postgres). Tests never skip when it is down:
/// they fail connecting. Each test store lives in its own schema, dropped afterwards.
/// </summary>
internal static class TestPostgres
{
    public static string Root => Environment.GetEnvironmentVariable("BRIOCHE_JOB_PG_ROOT") is { Length: > 0 } root
        ? root
        : "/var/tmp/brioche-job-pg";

    public static int Port => int.TryParse(Environment.GetEnvironmentVariable("BRIOCHE_JOB_PG_PORT"), out int port) ? port : 54329;

    public static string SuperuserPassword => Environment.GetEnvironmentVariable("BRIOCHE_JOB_PG_PASSWORD") is { Length: > 0 } p
        ? p
        : "brioche-test";

    public static string CaCertificate => Path.Combine(Root, "tls", "ca.crt");

    public static string AdminConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password={SuperuserPassword};Database={database};Pooling=false;Timeout=15";

    public static void Execute(string sql, string database = "postgres")
    {
        using var connection = new NpgsqlConnection(AdminConnectionString(database));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    public static object? Scalar(string sql, string database = "postgres")
    {
        using var connection = new NpgsqlConnection(AdminConnectionString(database));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }
}

/// <summary>An empty schema of the test cluster, and a store location whose search path is that schema.</summary>
internal sealed class TestSchema : IDisposable
{
    public TestSchema()
    {
        Name = "bj_" + Guid.NewGuid().ToString("N")[..16];
        TestPostgres.Execute($"CREATE SCHEMA {Name}");
    }

    public string Name { get; }

    /// <summary>A connection string as the superuser with this schema first on the search path.</summary>
    public string ConnectionString(string user = "postgres", string? password = null) =>
        $"Host=127.0.0.1;Port={TestPostgres.Port};Username={user};Password={password ?? TestPostgres.SuperuserPassword};" +
        $"Database=postgres;Search Path={Name};Timeout=60";

    public StoreLocation Location => StoreLocation.Parse(ConnectionString());

    public PostgresJobStore Open() => PostgresJobStore.Open(Location);

    public object? Scalar(string sql) => TestPostgres.Scalar($"SET search_path TO {Name}; {sql}");

    public void Execute(string sql) => TestPostgres.Execute($"SET search_path TO {Name}; {sql}");

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        TestPostgres.Execute($"DROP SCHEMA IF EXISTS {Name} CASCADE");
    }
}
