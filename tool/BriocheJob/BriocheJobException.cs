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
/// An expected failure with a stable diagnostic code (<c>BJxxxx</c>) and a one-line message.
/// Codes by area: BJ1xxx store and data home, BJ2xxx Brioche events, BJ3xxx Brioche builds,
/// BJ4xxx BuildKit trace, BJ5xxx Docker engine and builds, BJ6xxx selectors and commands.
/// </summary>
public class BriocheJobException : Exception
{
    public BriocheJobException(string code, ErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Kind = kind;
    }

    public string Code { get; }

    public ErrorKind Kind { get; }

    public override string ToString() => $"{Code}: {Message}";
}
