using BriocheJob.Diagnostics;

namespace BriocheJob.Jobs;

/// <summary>One thing an ambiguous selector could mean, for the CLI to list.</summary>
/// <param name="Id">The full job or build id.</param>
/// <param name="Description">One line: how it matched and what it is (time, result, name).</param>
public sealed record SelectorCandidate(string Id, string Description);

/// <summary>A selector matching more than one job or build (<see cref="Catalog.Selectors.Ambiguous"/>).</summary>
public sealed class AmbiguousSelectorException : BriocheJobException, IHasCandidates
{
    public AmbiguousSelectorException(string message, IReadOnlyList<SelectorCandidate> candidates, bool moreCandidates)
        : base(Catalog.Selectors.Ambiguous, message)
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
