using BriocheJob.Store;

namespace BriocheJob.Provenance;

/// <summary>Puts together where a build runs: this machine and user, the git checkout, and the CI run.</summary>
public static class BuildProvenanceDetector
{
    /// <param name="workingDirectory">The folder whose git checkout is the build's (the project's folder).</param>
    /// <param name="getEnvironment">Reads an environment variable; the process environment when null.</param>
    public static BuildProvenance Detect(string? workingDirectory, Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        var git = GitCheckout.Read(workingDirectory);
        var ci = CiEnvironment.Detect(getEnvironment);
        return new BuildProvenance(
            Host: NonEmpty(Environment.MachineName),
            User: NonEmpty(Environment.UserName),
            // The checkout is what was built; the CI's values fill in for a detached HEAD or a build outside git.
            GitCommit: git?.Commit ?? ci?.Commit,
            GitBranch: git?.Branch ?? ci?.Branch,
            CiSystem: ci?.System,
            CiRunId: ci?.RunId,
            CiRunUrl: ci?.RunUrl);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
