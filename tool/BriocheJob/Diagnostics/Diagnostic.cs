namespace BriocheJob.Diagnostics;

/// <summary>Whether a diagnostic stops what it is reported from.</summary>
public enum DiagnosticSeverity
{
    /// <summary>The command or task fails with it.</summary>
    Error,

    /// <summary>Reported and carried on from (recording problems never break a build).</summary>
    Warning,
}

/// <summary>
/// One entry of the <see cref="Catalog"/>: a stable code, the exit class a command ends with when it fails with it,
/// and the one-line meaning the README lists. The message itself is written where the failure is known (it names the
/// file, job or value); the CLI prints <c>error BJxxxx: message</c>, an MSBuild task logs it with the code.
/// </summary>
/// <param name="Code"><c>BJ</c> and four digits; the first digit is the area (see <see cref="Catalog"/>).</param>
/// <param name="ExitClass">What the CLI exits with (see <see cref="ExitCodes"/>); for a warning, the class it would have as an error.</param>
/// <param name="Meaning">One line, as the README's code table shows it.</param>
public sealed record Diagnostic(string Code, ErrorKind ExitClass, string Meaning,
    DiagnosticSeverity Severity = DiagnosticSeverity.Error)
{
    /// <summary>The exception that carries this diagnostic to the CLI or the task.</summary>
    public BriocheJobException Exception(string message, Exception? inner = null) => new(this, message, inner);

    /// <summary>Where a code is wanted as text (MSBuild's <c>code</c> argument, comparisons), the diagnostic is its code.</summary>
    public static implicit operator string(Diagnostic diagnostic) => diagnostic.Code;

    public override string ToString() => Code;
}

/// <summary>The process exit code of each exit class; documented in the README's "Exit codes".</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Unexpected = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int Ambiguous = 4;
    public const int Corrupt = 5;
    public const int Unavailable = 6;
    public const int Cancelled = 130;

    public static int For(ErrorKind kind) => kind switch
    {
        ErrorKind.Usage => Usage,
        ErrorKind.NotFound => NotFound,
        ErrorKind.Ambiguous => Ambiguous,
        ErrorKind.Corrupt => Corrupt,
        ErrorKind.Unavailable => Unavailable,
        ErrorKind.Cancelled => Cancelled,
        _ => Unexpected,
    };
}
