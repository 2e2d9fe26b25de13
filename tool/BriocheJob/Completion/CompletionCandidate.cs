namespace BriocheJob.Completion;

/// <summary>One completion: the text to insert and, for shells that show them, a description.</summary>
public sealed record CompletionCandidate(string Value, string? Description = null)
{
    /// <summary>The line the hidden completion command prints: <c>value</c>, or <c>value TAB description</c>.</summary>
    public string ToLine() => Description is null ? Value : $"{Value}\t{Description.Replace('\t', ' ').ReplaceLineEndings(" ")}";
}
