namespace BriocheJob.Store;

/// <summary>Diagnostic codes of the job store and the data home (BJ1xxx).</summary>
public static class StoreErrors
{
    /// <summary>The data home cannot be created or is not a usable folder.</summary>
    public const string DataHomeUnusable = "BJ1001";

    /// <summary>The database was written by a newer brioche-job; it is left untouched.</summary>
    public const string DatabaseTooNew = "BJ1002";

    /// <summary>The database file is not a SQLite database or holds values we cannot read.</summary>
    public const string DatabaseCorrupt = "BJ1003";

    /// <summary>The database cannot be opened, read or written (permissions, disk full, lock timeout).</summary>
    public const string DatabaseFailed = "BJ1004";

    /// <summary>A job or build id that cannot be used as a record key or folder name.</summary>
    public const string InvalidId = "BJ1005";

    /// <summary>A record refers to a build or project that is not in the store.</summary>
    public const string UnknownReference = "BJ1006";

    /// <summary>A record with a missing or inconsistent field (e.g. stopped before it started).</summary>
    public const string InvalidRecord = "BJ1007";

    /// <summary>The job store server cannot be reached, refused the connection or the TLS handshake, or the login.</summary>
    public const string ServerUnreachable = "BJ1101";

    /// <summary>The server's schema needs a migration and the role in use may not change it (only the owner may).</summary>
    public const string MigrationNeedsOwner = "BJ1102";

    /// <summary>A store location (<c>--store</c>, <c>BRIOCHE_JOB_STORE</c>, <c>BriocheJobStore</c>) that cannot be used.</summary>
    public const string InvalidStoreLocation = "BJ1103";

    /// <summary>Warning: the server could not record; the jobs were kept in the local spool and are sent on the next run.</summary>
    public const string RecordedToSpool = "BJ1104";

    /// <summary>The job has no log in the store (nothing was copied to the server).</summary>
    public const string LogMissing = "BJ1105";
}
