using BriocheJob.IntegrationTests.Brioche;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.IntegrationTests.Retention;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Completion;

/// <summary>
/// The completion scripts in real interactive bash and zsh (Debian's), typed into through a tmux pty, completing
/// against a store holding a real recorded Brioche build (the stand-in): one succeeded and one failed job.
/// </summary>
public sealed class ShellCompletionTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("bj-complete-");
    private string _failedId = "";
    private string _succeededId = "";

    private string Home => _temp.Combine("home");

    private string Bin => _temp.Combine("bin");

    public async Task InitializeAsync()
    {
        // The tool as a user has it on PATH: a command named dotnet-brioche-job.
        Directory.CreateDirectory(Bin);
        var wrapper = Path.Combine(Bin, "dotnet-brioche-job");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet '{RepositoryLayout.CliAssembly}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var project = FakeBriocheProject.Write(_temp.Combine("app"), "app",
            [new FakeProcess("echo fine"), new FakeProcess("echo broken >&2; exit 2")]);
        var outcome = await new BriocheBuildRecorder(new BriocheBuildOptions
        {
            BriocheExe = FakeBriocheProject.Executable,
            Home = Home,
            BriocheDataDir = _temp.Combine("brioche-data"),
        }, new PruneIntegrationTests.QuietObserver()).RunAsync([new BriocheProjectSpec(project)], new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token);
        _failedId = outcome.Projects[0].FailedJob.ShouldNotBeNull().Id;
        _succeededId = outcome.Projects[0].Jobs.Single(j => j.Result == RunResult.Succeeded).Id;
    }

    public Task DisposeAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }

    private string Setup(string shell) =>
        $"export PATH='{Bin}':\"$PATH\" BRIOCHE_JOB_HOME='{Home}' DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1; source <(dotnet-brioche-job completion {shell})";

    [Fact]
    public async Task Bash_completes_commands_option_values_and_selectors_failed_first_and_works_without_a_store()
    {
        RequiredTools.Require("bash");
        await using var shell = await TmuxShell.StartAsync("bash --norc --noprofile");
        await shell.RunAsync("PS1='$ '; " + Setup("bash"), "ready");
        await shell.ClearAsync("cleared");

        await shell.TypeAsync("dotnet-brioche-job lo");
        await shell.PressAsync("Tab");
        await shell.WaitForAsync(s => s.Contains("$ dotnet-brioche-job logs "), "the command completed");

        await shell.TypeAsync("--str");
        await shell.PressAsync("Tab");
        await shell.WaitForAsync(s => s.Contains("dotnet-brioche-job logs --stream "), "the option completed");
        await shell.PressAsync("Tab");
        await shell.WaitForAsync(s => s.Contains("dotnet-brioche-job logs --stream std"), "the values' common prefix inserted");
        // After an insertion bash needs two more Tabs to list what is left.
        await shell.PressAsync("Tab", "Tab");
        await shell.WaitForAsync(s => s.Contains("stdout") && s.Contains("stderr"), "the option's values listed");

        await shell.ClearAsync("cleared-2");
        await shell.TypeAsync("dotnet-brioche-job show ");
        await shell.PressAsync("Tab", "Tab");
        var screen = await shell.WaitForAsync(s => s.Contains(_failedId) && s.Contains(_succeededId), "both job ids listed");
        screen.IndexOf(_failedId, StringComparison.Ordinal).ShouldBeLessThan(screen.IndexOf(_succeededId, StringComparison.Ordinal), "failed jobs come first");
        screen.ShouldContain("failed");
        screen.ShouldContain("last");

        await shell.ClearAsync("cleared-3");
        await shell.TypeAsync($"dotnet-brioche-job logs {_failedId[..20].ToLowerInvariant()}");
        await shell.PressAsync("Tab");
        await shell.WaitForAsync(s => s.Contains($"dotnet-brioche-job logs {_failedId} "), "a unique id prefix (any case) completed");

        var absent = _temp.Combine("absent", "home");
        await shell.ClearAsync("cleared-4");
        await shell.TypeAsync($"dotnet-brioche-job --home {absent} logs ");
        await shell.PressAsync("Tab", "Tab");
        screen = await shell.WaitForAsync(s => s.Contains("failed") && s.Contains("last"), "the keywords offered without a store");
        screen.ShouldNotContain(_failedId);
        Directory.Exists(_temp.Combine("absent")).ShouldBeFalse("completion creates nothing");
    }

    [Fact]
    public async Task Zsh_completes_commands_and_shows_selectors_with_their_descriptions()
    {
        RequiredTools.Require("zsh");
        await using var shell = await TmuxShell.StartAsync("zsh -f");
        await shell.RunAsync("PS1='%% '; autoload -U compinit; compinit -u; " + Setup("zsh"), "ready");
        await shell.ClearAsync("cleared");

        await shell.TypeAsync("dotnet-brioche-job deb");
        await shell.PressAsync("Tab");
        await shell.WaitForAsync(s => s.Contains("% dotnet-brioche-job debug-shell "), "the command completed");

        await shell.ClearAsync("cleared-2");
        await shell.TypeAsync("dotnet-brioche-job logs ");
        await shell.PressAsync("Tab");
        var screen = await shell.WaitForAsync(s => s.Contains(_failedId) && s.Contains(_succeededId), "both job ids listed");
        screen.ShouldContain($"{_failedId}  -- failed brioche app: /bin/sh -c 'echo broken");
        screen.IndexOf(_failedId, StringComparison.Ordinal).ShouldBeLessThan(screen.IndexOf(_succeededId, StringComparison.Ordinal), "failed jobs come first");

        await shell.ClearAsync("cleared-3");
        await shell.TypeAsync("dotnet-brioche-job list --kind ");
        await shell.PressAsync("Tab");
        await shell.WaitForAsync(s => s.Contains("brioche") && s.Contains("docker") && s.Contains("% dotnet-brioche-job list --kind"), "the kinds listed");
    }
}
