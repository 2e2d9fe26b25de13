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
/// task logs it with the code. Messages are one line, lower case, with no full stop. A code whose sites name
/// genuinely different problems has sub-messages too (<see cref="Variant"/>), declared beside it in the catalogue.
/// </summary>
/// <param name="Code"><c>BJ</c> and four digits; the first digit is the area (see <see cref="Catalog"/>).</param>
/// <param name="ExitClass">What the CLI exits with (see <see cref="ExitCodes"/>); for a warning, the class it would have as an error.</param>
/// <param name="Meaning">One line, as the README's code table shows it.</param>
public sealed record Diagnostic(string Code, ErrorKind ExitClass, string Meaning,
    DiagnosticSeverity Severity = DiagnosticSeverity.Error) : IDiagnosticMessage
{
    private readonly List<DiagnosticMessage> _variants = [];

    /// <summary>The message as a composite format string (<c>trace file '{0}' does not exist</c>).</summary>
    public string? Format { get; init; }

    /// <summary>The sub-messages declared with <see cref="Variant"/>, in declaration order.</summary>
    public IReadOnlyList<DiagnosticMessage> Variants => _variants;

    /// <summary>The message: <see cref="Format"/> with <paramref name="args"/> (invariant culture).</summary>
    public string Message(params object?[] args) =>
        string.Format(CultureInfo.InvariantCulture,
            Format ?? throw new InvalidOperationException($"{Code} has no message format in the catalogue"), args);

    /// <summary>The exception that carries this diagnostic, with its message from <see cref="Format"/>.</summary>
    public BriocheJobException Exception(params object?[] args) => new(this, Message(args));

    /// <summary>As <see cref="Exception(object?[])"/>, caused by <paramref name="inner"/>.</summary>
    public BriocheJobException ExceptionFrom(Exception inner, params object?[] args) => new(this, Message(args), inner);

    /// <summary>
    /// A second message of this code, for a site that names a different problem than <see cref="Format"/> does (the
    /// data home path is empty, against cannot create it). Only the catalogue declares them, while it initialises.
    /// </summary>
    internal DiagnosticMessage Variant(string format)
    {
        var variant = new DiagnosticMessage(this, format);
        _variants.Add(variant);
        return variant;
    }

    Diagnostic IDiagnosticMessage.Diagnostic => this;

    /// <summary>Where a code is wanted as text (MSBuild's <c>code</c> argument, comparisons), the diagnostic is its code.</summary>
    public static implicit operator string(Diagnostic diagnostic) => diagnostic.Code;

    public override string ToString() => Code;
}

/// <summary>A message of the catalogue: a diagnostic's own format, or one of its sub-messages.</summary>
public interface IDiagnosticMessage
{
    /// <summary>The diagnostic whose code and exit class the message carries.</summary>
    Diagnostic Diagnostic { get; }

    /// <summary>The message with <paramref name="args"/> in its format's slots (invariant culture).</summary>
    string Message(params object?[] args);
}

/// <summary>A sub-message of a <see cref="Diagnostic"/>: the same code and exit class, another composite format.</summary>
public sealed class DiagnosticMessage : IDiagnosticMessage
{
    internal DiagnosticMessage(Diagnostic diagnostic, string format)
    {
        Diagnostic = diagnostic;
        Format = format;
    }

    public Diagnostic Diagnostic { get; }

    public string Format { get; }

    public string Code => Diagnostic.Code;

    /// <summary>The message: <see cref="Format"/> with <paramref name="args"/> (invariant culture).</summary>
    public string Message(params object?[] args) => string.Format(CultureInfo.InvariantCulture, Format, args);

    /// <summary>The exception that carries the diagnostic, with this message.</summary>
    public BriocheJobException Exception(params object?[] args) => new(Diagnostic, Message(args));

    /// <summary>As <see cref="Exception(object?[])"/>, caused by <paramref name="inner"/>.</summary>
    public BriocheJobException ExceptionFrom(Exception inner, params object?[] args) => new(Diagnostic, Message(args), inner);

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
