using System.Diagnostics;
using BriocheJob.Provenance;
using BriocheJob.Store;

namespace BriocheJob.Tests.Provenance;

/// <summary>HEAD read from repositories the real git makes: a branch, a detached HEAD, packed refs, a worktree.</summary>
public sealed class GitCheckoutTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bj-git-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, $"git {string.Join(' ', arguments)}: {error}");
        return output.Trim();
    }

    private string NewRepository(string name = "repo")
    {
        var repository = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        Git(repository, "init", "-q");
        File.WriteAllText(Path.Combine(repository, "a.txt"), "a");
        Git(repository, "add", ".");
        Git(repository, "commit", "-q", "-m", "first");
        return repository;
    }

    [Fact]
    public void A_branch_checkout_from_a_sub_folder()
    {
        var repository = NewRepository();
        Git(repository, "checkout", "-q", "-b", "feature/login");
        var sub = Directory.CreateDirectory(Path.Combine(repository, "src", "app")).FullName;

        var head = GitCheckout.Read(sub).ShouldNotBeNull();

        head.Branch.ShouldBe("feature/login");
        head.Commit.ShouldBe(Git(repository, "rev-parse", "HEAD"));
    }

    [Fact]
    public void A_detached_head_has_a_commit_and_no_branch()
    {
        var repository = NewRepository();
        var commit = Git(repository, "rev-parse", "HEAD");
        Git(repository, "checkout", "-q", "--detach");

        GitCheckout.Read(repository).ShouldBe(new GitHead(commit, null));
    }

    [Fact]
    public void Packed_refs_are_read()
    {
        var repository = NewRepository();
        Git(repository, "pack-refs", "--all");
        File.Exists(Path.Combine(repository, ".git", "refs", "heads", "main")).ShouldBeFalse();

        GitCheckout.Read(repository).ShouldBe(new GitHead(Git(repository, "rev-parse", "HEAD"), "main"));
    }

    [Fact]
    public void A_worktree_reads_its_own_head_and_the_shared_refs()
    {
        var repository = NewRepository();
        var worktree = Path.Combine(_root, "wt");
        Git(repository, "worktree", "add", "-q", "-b", "side", worktree);
        File.WriteAllText(Path.Combine(worktree, "b.txt"), "b");
        Git(worktree, "add", ".");
        Git(worktree, "commit", "-q", "-m", "second");

        GitCheckout.Read(worktree).ShouldBe(new GitHead(Git(worktree, "rev-parse", "HEAD"), "side"));
        GitCheckout.Read(repository).ShouldBe(new GitHead(Git(repository, "rev-parse", "HEAD"), "main"));
    }

    [Fact]
    public void A_branch_without_commits_and_a_folder_outside_git()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;
        Git(empty, "init", "-q");
        GitCheckout.Read(empty).ShouldBe(new GitHead(null, "main"));

        // The temp folder is not inside a repository (the test would not be meaningful otherwise).
        var outside = Directory.CreateDirectory(Path.Combine(_root, "plain")).FullName;
        GitCheckout.Read(outside).ShouldBeNull();
        GitCheckout.Read(null).ShouldBeNull();
    }

    [Fact]
    public void Detector_prefers_the_checkout_and_fills_in_from_ci_and_names_host_and_user()
    {
        var repository = NewRepository();
        const string ciCommit = "fedcba9876543210fedcba9876543210fedcba98";
        Func<string, string?> ci = name => name switch
        {
            "GITLAB_CI" => "true",
            "CI_PIPELINE_ID" => "42",
            "CI_PIPELINE_URL" => "https://gitlab.example.com/g/p/-/pipelines/42",
            "CI_COMMIT_BRANCH" => "ci-branch",
            "CI_COMMIT_SHA" => ciCommit,
            _ => null,
        };

        var onBranch = BuildProvenanceDetector.Detect(repository, ci);
        onBranch.GitBranch.ShouldBe("main");
        onBranch.GitCommit.ShouldBe(Git(repository, "rev-parse", "HEAD"));
        onBranch.CiSystem.ShouldBe(CiSystems.GitLab);
        onBranch.CiRunId.ShouldBe("42");
        onBranch.CiRunUrl.ShouldBe("https://gitlab.example.com/g/p/-/pipelines/42");
        onBranch.Host.ShouldBe(Environment.MachineName);
        onBranch.User.ShouldBe(Environment.UserName);

        Git(repository, "checkout", "-q", "--detach");
        BuildProvenanceDetector.Detect(repository, ci).GitBranch.ShouldBe("ci-branch");
        var outside = BuildProvenanceDetector.Detect(Directory.CreateDirectory(Path.Combine(_root, "x")).FullName, ci);
        outside.GitCommit.ShouldBe(ciCommit);
        BuildProvenanceDetector.Detect(null, _ => null).ShouldBe(new BuildProvenance(Environment.MachineName, Environment.UserName));
    }
}
