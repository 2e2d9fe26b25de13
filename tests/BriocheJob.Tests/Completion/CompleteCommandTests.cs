using BriocheJob.Tests.Cli;

namespace BriocheJob.Tests.Completion;

/// <summary>The hidden <c>__complete</c> command the shell scripts call, in-process.</summary>
public sealed class CompleteCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string[] Complete(params string[] words)
    {
        var result = _cli.Run(["__complete", "--", .. words]);
        result.ExitCode.ShouldBe(0, result.Error);
        result.Error.ShouldBeEmpty();
        return result.OutLines;
    }

    private static string[] Values(string[] lines) => lines.Select(l => l.Split('\t')[0]).ToArray();

    [Fact]
    public void Commands_options_and_option_values_complete()
    {
        Values(Complete("l")).ShouldBe(["list", "logs"]);
        Values(Complete("import", "")).ShouldBe(["brioche", "docker", "bundle"]);
        Values(Complete("logs", "--st")).ShouldBe(["--store", "--stream"], ignoreOrder: true);
        Values(Complete("logs", "--stream", "")).ShouldBe(["stdout", "stderr"]);
        Values(Complete("list", "--kind", "d")).ShouldBe(["docker"]);
        Values(Complete("trace", "--encoding", "")).ShouldBe(["auto", "json", "rawjson", "history"]);
        Values(Complete("completion", "")).ShouldBe(["bash", "zsh", "fish", "pwsh"]);
        Values(Complete("prune", "--keep-")).ShouldBe(["--keep-failed-days", "--keep-succeeded", "--keep-rows-days"]);
        Values(Complete("")).ShouldNotContain("__complete", "the hidden command is not offered");
        Complete("logs", "--tail", "").ShouldBeEmpty("a number: nothing to offer");
        Complete("debug-shell", "--", "").ShouldBeEmpty("after -- the words are the user's command");
    }

    [Fact]
    public void Job_selectors_come_from_the_store_failed_first_with_descriptions()
    {
        _ = new SeededStore(_cli);

        var lines = Complete("logs", "");

        Values(lines).ShouldBe(["failed", "last", SeededStore.Failed3, SeededStore.Failed1, SeededStore.Docker4, SeededStore.Succeeded2]);
        lines[2].ShouldBe($"{SeededStore.Failed3}\tfailed brioche app: /bin/sh -c run");
        Values(Complete("show", "01jd0000c")).ShouldBe([SeededStore.Docker4], "prefixes match in any case");
        Values(Complete("list", "--build", "")).Length.ShouldBe(2, "last and the one build");
        Values(Complete("builds", "show", ""))[1].ShouldNotBeNull().Length.ShouldBe(26);
    }

    [Fact]
    public void Without_a_store_only_keywords_are_offered_and_nothing_is_created()
    {
        var absent = _cli.Temp.File("nowhere/home");

        Values(Complete("--home", absent, "logs", "")).ShouldBe(["failed", "last"]);
        Values(Complete("logs", "")).ShouldBe(["failed", "last"]);

        Directory.Exists(_cli.Temp.File("nowhere")).ShouldBeFalse();
        Directory.Exists(_cli.HomePath).ShouldBeFalse();
    }

    [Fact]
    public void Each_shell_gets_a_script_that_calls_the_hidden_command()
    {
        foreach (var shell in (string[])["bash", "zsh", "fish", "pwsh"])
        {
            var result = _cli.Run("completion", shell);
            result.ExitCode.ShouldBe(0);
            result.Out.ShouldContain("__complete --");
            result.Out.ShouldContain("dotnet-brioche-job");
        }

        var bad = _cli.Run("completion", "tcsh");
        bad.ExitCode.ShouldBe(2);
        bad.Error.ShouldBe("error BJ6011: completion expects one of bash, zsh, fish, pwsh, not 'tcsh'\n");
    }
}
