namespace BriocheJob.Cli;

/// <summary>Process exit codes of <c>dotnet brioche-job</c>; documented in the README.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int Ambiguous = 4;
    public const int Corrupt = 5;
    public const int Unavailable = 6;

    /// <summary><c>trace</c> decoded a build that failed (as <c>docker build</c> exits non-zero).</summary>
    public const int BuildFailed = 7;
    public const int Cancelled = 130;

    public static int For(ErrorKind kind) => kind switch
    {
        ErrorKind.Usage => Usage,
        ErrorKind.NotFound => NotFound,
        ErrorKind.Ambiguous => Ambiguous,
        ErrorKind.Corrupt => Corrupt,
        ErrorKind.Unavailable => Unavailable,
        ErrorKind.Cancelled => Cancelled,
        _ => Failed,
    };
}
