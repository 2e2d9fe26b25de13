using BriocheJob.Diagnostics;

namespace BriocheJob.Cli;

/// <summary>Process exit codes of <c>dotnet brioche-job</c>; documented in the README (the numbers live with the catalogue's exit classes).</summary>
internal static class ExitCodes
{
    public const int Success = Diagnostics.ExitCodes.Success;
    public const int Failed = Diagnostics.ExitCodes.Unexpected;
    public const int Usage = Diagnostics.ExitCodes.Usage;
    public const int NotFound = Diagnostics.ExitCodes.NotFound;
    public const int Ambiguous = Diagnostics.ExitCodes.Ambiguous;
    public const int Corrupt = Diagnostics.ExitCodes.Corrupt;
    public const int Unavailable = Diagnostics.ExitCodes.Unavailable;
    public const int Cancelled = Diagnostics.ExitCodes.Cancelled;

    /// <summary><c>trace</c> decoded a build that failed (as <c>docker build</c> exits non-zero).</summary>
    public const int BuildFailed = 7;

    /// <summary>The exit code of a failure with a diagnostic code: its exit class in the catalogue.</summary>
    public static int For(BriocheJobException exception) => Diagnostics.ExitCodes.For(Catalog.ExitClassOf(exception));
}
