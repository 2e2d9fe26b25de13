using System.Diagnostics;
using BriocheJob.Recording;

namespace BriocheJob.Tests.Recording;

public sealed class ProcessAncestryTests : IDisposable
{
    private readonly List<Process> _started = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("bj-ancestry-").FullName;

    public void Dispose()
    {
        foreach (var process in _started)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }

            process.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private Process Start(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        _started.Add(process);
        return process;
    }

    [Fact]
    public void This_process_descends_from_its_parent()
    {
        var parent = ProcessAncestry.ParentOf(Environment.ProcessId).ShouldNotBeNull();

        ProcessAncestry.IsDescendantOf(Environment.ProcessId, parent).ShouldBe(true);
    }

    [Fact]
    public void Child_and_grandchild_descend_from_this_process_and_not_the_other_way_round()
    {
        var child = Start("/bin/sleep", "30");
        // sh stays between us and the backgrounded sleep, whose pid it prints.
        var shell = Start("/bin/sh", "-c", "sleep 30 & echo $!; wait");
        var grandchild = int.Parse(shell.StandardOutput.ReadLine()!);

        ProcessAncestry.IsDescendantOf(child.Id, Environment.ProcessId).ShouldBe(true);
        ProcessAncestry.IsDescendantOf(grandchild, Environment.ProcessId).ShouldBe(true);
        ProcessAncestry.IsDescendantOf(grandchild, shell.Id).ShouldBe(true);
        ProcessAncestry.IsDescendantOf(Environment.ProcessId, child.Id).ShouldBe(false);
    }

    [Fact]
    public void Sibling_and_pid_1_are_not_descendants()
    {
        var first = Start("/bin/sleep", "30");
        var second = Start("/bin/sleep", "30");

        ProcessAncestry.IsDescendantOf(first.Id, second.Id).ShouldBe(false);
        ProcessAncestry.IsDescendantOf(1, Environment.ProcessId).ShouldBe(false);
        ProcessAncestry.IsDescendantOf(Environment.ProcessId, Environment.ProcessId).ShouldBe(false, "a process is not its own descendant");
    }

    [Fact]
    public void Exited_process_cannot_be_told()
    {
        var gone = Start("/bin/true");
        gone.WaitForExit();
        var pid = gone.Id;

        ProcessAncestry.ParentOf(pid).ShouldBeNull();
        ProcessAncestry.IsDescendantOf(pid, Environment.ProcessId).ShouldBeNull();
    }

    [Fact]
    public void Command_name_with_spaces_and_parentheses_is_skipped()
    {
        var link = Path.Combine(_folder, "a (b) c");
        File.CreateSymbolicLink(link, "/bin/sleep");
        var child = Start(link, "30");

        File.ReadAllText($"/proc/{child.Id}/stat").ShouldContain("(a (b) c)");
        ProcessAncestry.ParentOf(child.Id).ShouldBe(Environment.ProcessId);
        ProcessAncestry.IsDescendantOf(child.Id, Environment.ProcessId).ShouldBe(true);
    }

    [Theory]
    [InlineData("4242 (sleep) S 17 4242 1 0 -1", 17)]
    [InlineData("4242 (x) 99 (y) R 23 4242 1 0", 23)]
    [InlineData("4242 ()) S 5 4242", 5)]
    public void Parent_is_the_field_after_the_state_that_follows_the_last_parenthesis(string stat, int parent)
    {
        ProcessAncestry.ParseParent(stat).ShouldBe(parent);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4242 (sleep")]
    [InlineData("4242 (sleep) S")]
    [InlineData("4242 (sleep) S -3 1")]
    public void Malformed_stat_has_no_parent(string stat)
    {
        ProcessAncestry.ParseParent(stat).ShouldBeNull();
    }
}
