using BriocheJob.Provenance;
using BriocheJob.Store;

namespace BriocheJob.Tests.Provenance;

/// <summary>Each CI system's run, from the variables its documentation lists (values as those systems set them).</summary>
public sealed class CiEnvironmentTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";

    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Outside_ci_there_is_no_run()
    {
        CiEnvironment.Detect(Env()).ShouldBeNull();
        CiEnvironment.Detect(Env(("CI", "true"), ("GITHUB_ACTIONS", "false"), ("BUILD_TAG", "release-7"))).ShouldBeNull();
    }

    [Fact]
    public void Github_actions_run_with_its_page_and_branch()
    {
        var run = CiEnvironment.Detect(Env(("GITHUB_ACTIONS", "true"), ("GITHUB_RUN_ID", "1658821493"),
            ("GITHUB_SERVER_URL", "https://github.com"), ("GITHUB_REPOSITORY", "octo/app"), ("GITHUB_RUN_ATTEMPT", "1"),
            ("GITHUB_REF", "refs/heads/feature/login"), ("GITHUB_REF_NAME", "feature/login"), ("GITHUB_HEAD_REF", ""),
            ("GITHUB_SHA", Sha.ToUpperInvariant()))).ShouldNotBeNull();

        run.System.ShouldBe(CiSystems.GitHubActions);
        run.RunId.ShouldBe("1658821493");
        run.RunUrl.ShouldBe("https://github.com/octo/app/actions/runs/1658821493");
        run.Branch.ShouldBe("feature/login");
        run.Commit.ShouldBe(Sha);
    }

    [Fact]
    public void Github_actions_re_run_links_its_attempt_and_a_pull_request_names_its_head_branch()
    {
        var run = CiEnvironment.Detect(Env(("GITHUB_ACTIONS", "true"), ("GITHUB_RUN_ID", "77"),
            ("GITHUB_SERVER_URL", "https://ghe.example.com/"), ("GITHUB_REPOSITORY", "team/svc"), ("GITHUB_RUN_ATTEMPT", "3"),
            ("GITHUB_REF", "refs/pull/12/merge"), ("GITHUB_HEAD_REF", "fix-crash"))).ShouldNotBeNull();

        run.RunUrl.ShouldBe("https://ghe.example.com/team/svc/actions/runs/77/attempts/3");
        run.Branch.ShouldBe("fix-crash");
        run.Commit.ShouldBeNull();
    }

    [Fact]
    public void Github_actions_tag_build_has_no_branch()
    {
        CiEnvironment.Detect(Env(("GITHUB_ACTIONS", "true"), ("GITHUB_RUN_ID", "1"), ("GITHUB_REF", "refs/tags/v1.0"),
            ("GITHUB_REF_NAME", "v1.0"))).ShouldNotBeNull().Branch.ShouldBeNull();
    }

    [Fact]
    public void Azure_pipelines_build_with_its_results_page_and_full_branch_name()
    {
        var run = CiEnvironment.Detect(Env(("TF_BUILD", "True"), ("BUILD_BUILDID", "4021"),
            ("SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", "https://dev.azure.com/fabrikam/"), ("SYSTEM_TEAMPROJECT", "Web Shop"),
            ("BUILD_SOURCEBRANCH", "refs/heads/feature/cart"), ("BUILD_SOURCEBRANCHNAME", "cart"),
            ("BUILD_SOURCEVERSION", Sha))).ShouldNotBeNull();

        run.System.ShouldBe(CiSystems.AzurePipelines);
        run.RunId.ShouldBe("4021");
        run.RunUrl.ShouldBe("https://dev.azure.com/fabrikam/Web%20Shop/_build/results?buildId=4021");
        run.Branch.ShouldBe("feature/cart");
        run.Commit.ShouldBe(Sha);
    }

    [Fact]
    public void Azure_pipelines_pull_request_names_its_source_branch()
    {
        CiEnvironment.Detect(Env(("TF_BUILD", "True"), ("BUILD_BUILDID", "9"), ("BUILD_SOURCEBRANCH", "refs/pull/5/merge"),
                ("SYSTEM_PULLREQUEST_SOURCEBRANCH", "refs/heads/topic")))
            .ShouldNotBeNull().Branch.ShouldBe("topic");
    }

    [Fact]
    public void Gitlab_pipeline_and_merge_request_branch()
    {
        var run = CiEnvironment.Detect(Env(("GITLAB_CI", "true"), ("CI_PIPELINE_ID", "1000123"),
            ("CI_PIPELINE_URL", "https://gitlab.example.com/group/app/-/pipelines/1000123"), ("CI_COMMIT_BRANCH", "main"),
            ("CI_COMMIT_SHA", Sha))).ShouldNotBeNull();
        run.System.ShouldBe(CiSystems.GitLab);
        run.RunId.ShouldBe("1000123");
        run.RunUrl.ShouldBe("https://gitlab.example.com/group/app/-/pipelines/1000123");
        run.Branch.ShouldBe("main");
        run.Commit.ShouldBe(Sha);

        CiEnvironment.Detect(Env(("GITLAB_CI", "true"), ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "mr-topic")))
            .ShouldNotBeNull().Branch.ShouldBe("mr-topic");
    }

    [Fact]
    public void Buildkite_build_keeps_only_a_resolved_commit()
    {
        var run = CiEnvironment.Detect(Env(("BUILDKITE", "true"), ("BUILDKITE_BUILD_ID", "f62a1b4d-10f9-4790-bc1c-e2c3a0c80983"),
            ("BUILDKITE_BUILD_NUMBER", "1514"), ("BUILDKITE_BUILD_URL", "https://buildkite.com/acme/app/builds/1514"),
            ("BUILDKITE_BRANCH", "main"), ("BUILDKITE_COMMIT", "HEAD"))).ShouldNotBeNull();
        run.System.ShouldBe(CiSystems.Buildkite);
        run.RunId.ShouldBe("f62a1b4d-10f9-4790-bc1c-e2c3a0c80983");
        run.RunUrl.ShouldBe("https://buildkite.com/acme/app/builds/1514");
        run.Branch.ShouldBe("main");
        run.Commit.ShouldBeNull();
    }

    [Fact]
    public void Jenkins_build_by_its_tag_with_the_git_plugin_branch_without_the_remote()
    {
        var run = CiEnvironment.Detect(Env(("JENKINS_URL", "http://ci:8080/"), ("BUILD_NUMBER", "153"),
            ("BUILD_TAG", "jenkins-app-153"), ("BUILD_URL", "http://ci:8080/job/app/153/"), ("GIT_BRANCH", "origin/release/2.x"),
            ("GIT_COMMIT", Sha))).ShouldNotBeNull();
        run.System.ShouldBe(CiSystems.Jenkins);
        run.RunId.ShouldBe("jenkins-app-153");
        run.RunUrl.ShouldBe("http://ci:8080/job/app/153/");
        run.Branch.ShouldBe("release/2.x");
        run.Commit.ShouldBe(Sha);
    }

    [Fact]
    public void Jenkins_multibranch_prefers_the_change_branch_then_branch_name_and_is_found_without_jenkins_url()
    {
        CiEnvironment.Detect(Env(("BUILD_TAG", "jenkins-app-PR-24-3"), ("BRANCH_NAME", "PR-24"), ("CHANGE_BRANCH", "topic")))
            .ShouldNotBeNull().Branch.ShouldBe("topic");
        CiEnvironment.Detect(Env(("JENKINS_URL", "http://ci/"), ("BRANCH_NAME", "main"), ("GIT_BRANCH", "origin/main")))
            .ShouldNotBeNull().Branch.ShouldBe("main");
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("0123456789abcdef0123456789abcdef0123456z")]
    public void Anything_but_a_full_hex_commit_is_dropped(string value) => CiEnvironment.Commit(value).ShouldBeNull();
}
