using BriocheJob.Diagnostics;

namespace BriocheJob;

/// <summary>What went wrong, in terms a caller can map to an exit code or an MSBuild error.</summary>
public enum ErrorKind
{
    /// <summary>Something failed that is not the user's input.</summary>
    Failed,
    /// <summary>Bad arguments or input the user can correct.</summary>
    Usage,
    /// <summary>A selector, file or record that does not exist.</summary>
    NotFound,
    /// <summary>A selector that matches more than one job.</summary>
    Ambiguous,
    /// <summary>A file or database that cannot be read as what it claims to be.</summary>
    Corrupt,
    /// <summary>A program or service we depend on is missing or not answering (brioche, the Docker engine).</summary>
    Unavailable,
    /// <summary>The user cancelled.</summary>
    Cancelled,
}

/// <summary>
/// An expected failure with a diagnostic of the <see cref="Catalog"/> (<c>BJxxxx</c>) and a one-line message.
/// Its <see cref="Kind"/> is the diagnostic's exit class, so a code always ends a command the same way.
/// </summary>
public class BriocheJobException : Exception
{
    public BriocheJobException(Diagnostic diagnostic, string message, Exception? inner = null)
        : base(message, inner)
    {
        ArgumentNullException.ThrowIfNull(diagnostic);
        Diagnostic = diagnostic;
    }

    public Diagnostic Diagnostic { get; }

    public string Code => Diagnostic.Code;

    public ErrorKind Kind => Diagnostic.ExitClass;

    public override string ToString() => $"{Code}: {Message}";
}
