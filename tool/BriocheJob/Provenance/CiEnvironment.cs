using BriocheJob.Store;

namespace BriocheJob.Provenance;

/// <summary>What a CI system's environment says about the run: its id and page, and the branch and commit it built.</summary>
public sealed record CiRun(string System, string? RunId, string? RunUrl, string? Branch, string? Commit);

/// <summary>
/// Recognises the CI run a build is part of from the variables each system sets for every step. Variable names are
/// each system's documented ones:
/// GitHub Actions (docs.github.com/actions/reference/variables-reference),
/// Azure Pipelines (learn.microsoft.com/azure/devops/pipelines/build/variables),
/// GitLab (docs.gitlab.com/ci/variables/predefined_variables),
/// Buildkite (buildkite.com/docs/pipelines/environment_variables),
/// Jenkins (its <c>/env-vars.html</c> page, plus the git and multibranch plugins' variables).
/// </summary>
public static class CiEnvironment
{
    /// <summary>The run, or null outside the five systems. The first system whose marker variable is set wins.</summary>
    public static CiRun? Detect(Func<string, string?> getEnvironment)
    {
        string? Get(string name) => getEnvironment(name) is { } value && value.Trim() is { Length: > 0 } trimmed ? trimmed : null;
        bool Is(string name, string value) => string.Equals(Get(name), value, StringComparison.OrdinalIgnoreCase);

        if (Is("GITHUB_ACTIONS", "true"))
        {
            return GitHubActions(Get);
        }

        if (Is("GITLAB_CI", "true"))
        {
            return GitLab(Get);
        }

        if (Is("TF_BUILD", "true"))
        {
            return AzurePipelines(Get);
        }

        if (Is("BUILDKITE", "true"))
        {
            return Buildkite(Get);
        }

        if (Get("JENKINS_URL") is not null || Get("BUILD_TAG")?.StartsWith("jenkins-", StringComparison.Ordinal) == true)
        {
            return Jenkins(Get);
        }

        return null;
    }

    // GITHUB_RUN_ID stays the same when a run is re-run; GITHUB_RUN_ATTEMPT counts the attempts, and each has its page.
    private static CiRun GitHubActions(Func<string, string?> get)
    {
        var runId = get("GITHUB_RUN_ID");
        string? url = null;
        if (runId is not null && get("GITHUB_REPOSITORY") is { } repository)
        {
            url = $"{(get("GITHUB_SERVER_URL") ?? "https://github.com").TrimEnd('/')}/{repository}/actions/runs/{runId}";
            if (int.TryParse(get("GITHUB_RUN_ATTEMPT"), out var attempt) && attempt > 1)
            {
                url += $"/attempts/{attempt}";
            }
        }

        // A pull request's run checks out a merge commit: GITHUB_HEAD_REF is the branch being proposed.
        var branch = get("GITHUB_HEAD_REF") ?? BranchOfRef(get("GITHUB_REF"));
        return new CiRun(CiSystems.GitHubActions, runId, url, branch, Commit(get("GITHUB_SHA")));
    }

    private static CiRun GitLab(Func<string, string?> get) =>
        new(CiSystems.GitLab, get("CI_PIPELINE_ID"), get("CI_PIPELINE_URL"),
            get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") ?? get("CI_COMMIT_BRANCH"), Commit(get("CI_COMMIT_SHA")));

    private static CiRun AzurePipelines(Func<string, string?> get)
    {
        var buildId = get("BUILD_BUILDID");
        string? url = null;
        if (buildId is not null && get("SYSTEM_TEAMFOUNDATIONCOLLECTIONURI") is { } collection && get("SYSTEM_TEAMPROJECT") is { } project)
        {
            url = $"{collection.TrimEnd('/')}/{Uri.EscapeDataString(project)}/_build/results?buildId={Uri.EscapeDataString(buildId)}";
        }
        // BUILD_SOURCEBRANCHNAME is only the last path segment (feature/x gives x), so the full ref is used.
        var branch = BranchOfRef(get("SYSTEM_PULLREQUEST_SOURCEBRANCH")) ?? BranchOfRef(get("BUILD_SOURCEBRANCH"));
        return new CiRun(CiSystems.AzurePipelines, buildId, url, branch, Commit(get("BUILD_SOURCEVERSION")));
    }

    // BUILDKITE_BUILD_ID is the build's UUID (unique on the server); BUILDKITE_BUILD_NUMBER counts within a pipeline.
    // BUILDKITE_COMMIT may be a ref such as HEAD until the agent resolves it: only hex is kept.
    private static CiRun Buildkite(Func<string, string?> get) =>
        new(CiSystems.Buildkite, get("BUILDKITE_BUILD_ID"), get("BUILDKITE_BUILD_URL"), get("BUILDKITE_BRANCH"),
            Commit(get("BUILDKITE_COMMIT")));

    // BUILD_TAG is jenkins-JOB-NUMBER, unique on the server, where BUILD_NUMBER only counts within a job.
    // CHANGE_BRANCH is a pull request's source branch (multibranch), BRANCH_NAME the branch of a multibranch job,
    // GIT_BRANCH (git plugin) the remote branch checked out, such as origin/main.
    private static CiRun Jenkins(Func<string, string?> get)
    {
        var branch = get("CHANGE_BRANCH") ?? get("BRANCH_NAME") ?? RemoteBranch(get("GIT_BRANCH"));
        return new CiRun(CiSystems.Jenkins, get("BUILD_TAG") ?? get("BUILD_NUMBER"), get("BUILD_URL"), branch,
            Commit(get("GIT_COMMIT")));
    }

    /// <summary><c>refs/heads/x</c> gives <c>x</c>; tags, pull-request refs and anything else give null.</summary>
    internal static string? BranchOfRef(string? reference) =>
        reference is not null && reference.StartsWith("refs/heads/", StringComparison.Ordinal) && reference.Length > "refs/heads/".Length
            ? reference["refs/heads/".Length..]
            : null;

    private static string? RemoteBranch(string? branch)
    {
        if (branch is null)
        {
            return null;
        }

        if (BranchOfRef(branch) is { } local)
        {
            return local;
        }

        var slash = branch.IndexOf('/');
        return branch.StartsWith("origin/", StringComparison.Ordinal) && slash + 1 < branch.Length ? branch[(slash + 1)..] : branch;
    }

    /// <summary>A full commit id (40 hex digits, or 64 for SHA-256 repositories) in lower case, else null.</summary>
    internal static string? Commit(string? value) =>
        value is { Length: 40 or 64 } && value.All(char.IsAsciiHexDigit) ? value.ToLowerInvariant() : null;
}
