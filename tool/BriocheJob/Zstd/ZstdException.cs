namespace BriocheJob.Zstd;

/// <summary>
/// zstd rejected its input (corrupt data, a frame needing more memory than allowed). Callers that know the file
/// format map it to their own coded error; this folder knows no codes of the others.
/// </summary>
public sealed class ZstdDataException : Exception
{
    public ZstdDataException(string message)
        : base(message)
    {
    }

    public ZstdDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ZstdDataException()
    {
    }

    /// <summary>zstd's error name, e.g. <c>Data corruption detected</c>.</summary>
    public string? ZstdError { get; init; }
}
