namespace BriocheJob;

/// <summary>An error that comes with a list of candidates to show the user, such as an ambiguous selector's matches.</summary>
public interface IHasCandidates
{
    IReadOnlyList<string> Candidates { get; }
}
