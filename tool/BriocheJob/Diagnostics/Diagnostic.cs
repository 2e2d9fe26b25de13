using System.Globalization;

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
/// the one-line meaning the README lists, and the message's <see cref="Format"/>: a composite format string whose
/// arguments are what only the site knows (the file, job or value). Throw and warn sites build the message with
/// <see cref="Message"/> or <see cref="Exception(object?[])"/>; the CLI prints <c>error BJxxxx: message</c>, an MSBuild
/// task logs it with the code. Messages are one line, lower case, with no full stop.
/// </summary>
/// <param name="Code"><c>BJ</c> and four digits; the first digit is the area (see <see cref="Catalog"/>).</param>
/// <param name="ExitClass">What the CLI exits with (see <see cref="ExitCodes"/>); for a warning, the class it would have as an error.</param>
/// <param name="Meaning">One line, as the README's code table shows it.</param>
public sealed record Diagnostic(string Code, ErrorKind ExitClass, string Meaning,
    DiagnosticSeverity Severity = DiagnosticSeverity.Error)
{
    /// <summary>
    /// The message as a composite format string (<c>trace file '{0}' does not exist</c>); null for the few codes whose
    /// sites still write their own message (the README's code table says which).
    /// </summary>
    public string? Format { get; init; }

    /// <summary>The message: <see cref="Format"/> with <paramref name="args"/> (invariant culture).</summary>
    public string Message(params object?[] args) =>
        string.Format(CultureInfo.InvariantCulture,
            Format ?? throw new InvalidOperationException($"{Code} has no message format in the catalogue"), args);

    /// <summary>The exception that carries this diagnostic, with its message from <see cref="Format"/>.</summary>
    public BriocheJobException Exception(params object?[] args) => new(this, Message(args));

    /// <summary>As <see cref="Exception(object?[])"/>, caused by <paramref name="inner"/>.</summary>
    public BriocheJobException ExceptionFrom(Exception inner, params object?[] args) => new(this, Message(args), inner);

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
