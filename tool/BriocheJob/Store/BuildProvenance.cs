namespace BriocheJob.Store;

/// <summary>
/// Where a build ran: the machine and user that recorded it, the git checkout it built, and the CI run it was part of.
/// Every part is optional: a build outside git or outside CI records what there is.
/// </summary>
/// <param name="GitCommit">The checked-out commit (full hex), or the CI's when there is no checkout to read.</param>
/// <param name="GitBranch">The checked-out branch; in CI, where checkouts are often detached, the CI's branch.</param>
/// <param name="CiSystem">One of <see cref="CiSystems"/>.</param>
/// <param name="CiRunId">The CI's id for the run (unique within that CI server).</param>
/// <param name="CiRunUrl">Where the run is shown.</param>
public sealed record BuildProvenance(
    string? Host = null,
    string? User = null,
    string? GitCommit = null,
    string? GitBranch = null,
    string? CiSystem = null,
    string? CiRunId = null,
    string? CiRunUrl = null)
{
    public static readonly BuildProvenance None = new();
}

/// <summary>The CI systems whose environment is recognised, as stored in <c>builds.ci_system</c>.</summary>
public static class CiSystems
{
    public const string GitHubActions = "github-actions";
    public const string AzurePipelines = "azure-pipelines";
    public const string GitLab = "gitlab";
    public const string Buildkite = "buildkite";
    public const string Jenkins = "jenkins";
}
