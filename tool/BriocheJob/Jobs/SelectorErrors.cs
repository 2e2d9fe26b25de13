namespace BriocheJob.Jobs;

/// <summary>Diagnostic codes of job and build selectors (BJ6001-BJ6009; commands use the rest of BJ6xxx).</summary>
public static class SelectorErrors
{
    /// <summary>No job or build matches the selector.</summary>
    public const string NoMatch = "BJ6001";

    /// <summary>The selector matches several jobs or builds; the candidates travel with the error.</summary>
    public const string Ambiguous = "BJ6002";

    /// <summary>The text is not any form of selector.</summary>
    public const string Invalid = "BJ6003";

    /// <summary>Fewer failed jobs are recorded than the selector asks for (none for the default selector).</summary>
    public const string NotEnoughFailedJobs = "BJ6004";
}

/// <summary>One thing an ambiguous selector could mean, for the CLI to list.</summary>
/// <param name="Id">The full job or build id.</param>
/// <param name="Description">One line: how it matched and what it is (time, result, name).</param>
public sealed record SelectorCandidate(string Id, string Description);

/// <summary>A selector matching more than one job or build (<see cref="SelectorErrors.Ambiguous"/>).</summary>
public sealed class AmbiguousSelectorException : BriocheJobException, IHasCandidates
{
    public AmbiguousSelectorException(string message, IReadOnlyList<SelectorCandidate> candidates, bool moreCandidates)
        : base(SelectorErrors.Ambiguous, ErrorKind.Ambiguous, message)
    {
        Candidates = candidates;
        MoreCandidates = moreCandidates;
    }

    /// <summary>The matches, most recent first (at most <see cref="JobSelectorResolver.MaxCandidates"/>).</summary>
    public IReadOnlyList<SelectorCandidate> Candidates { get; }

    /// <summary>True when more matched than <see cref="Candidates"/> lists.</summary>
    public bool MoreCandidates { get; }

    /// <summary>One line per candidate for the CLI, and a last line when more matched than are listed.</summary>
    IReadOnlyList<string> IHasCandidates.Candidates =>
        [.. Candidates.Select(c => c.Description), .. MoreCandidates ? (string[])["..."] : []];
}
