using BriocheJob.Brioche;
using BriocheJob.Recording;
using BriocheJob.Store;
using BriocheJob.Tests.Brioche;

namespace BriocheJob.Tests.Recording;

/// <summary>The live Brioche tracker reports each job's result when its exit event is read, not when brioche exits.</summary>
public sealed class BriocheJobTrackerTests : IDisposable
{
    // A pid that no process has: ownership cannot be checked, so the job counts as ours.
    private const uint GonePid = 4_000_000;
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_job_is_reported_finished_as_soon_as_its_exit_event_is_read_while_brioche_still_runs()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_temp.Path, "01JD0000000000000000000EX1")).FullName;
        using var writer = ProcessEventsWriter.Create(Path.Combine(folder, "events.bin.zst"), Descriptions.Sample(new string('e', 64)));
        var exited = new TaskCompletionSource<ExitEvent?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var launch = new BriocheLaunch();
        launch.Begin();
        launch.Started(Environment.ProcessId);
        var tracker = new BriocheJobTracker("01JD0000000000000000000EX1", folder, null, TimeSpan.FromMilliseconds(10), launch)
        {
            Exited = t => exited.TrySetResult(t.Exit),
        };
        Task running = tracker.Start();
        writer.WriteSpawned(GonePid);
        writer.WriteStdout("done\n"u8);
        writer.WriteExited(0);

        // The file stays open and brioche has not exited (no Stop): the exit is still reported.
        Task first = await Task.WhenAny(exited.Task, Task.Delay(TimeSpan.FromSeconds(20)));
        first.ShouldBe(exited.Task, "the exit event was not reported before brioche exited");
        (await exited.Task).ShouldBeOfType<ExitedEvent>().ExitCode.ShouldBe(0);
        running.IsCompleted.ShouldBeFalse();

        tracker.Stop();
        await running;
    }

    [Fact]
    public async Task A_job_killed_before_its_spawn_event_is_still_reported_with_its_description()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_temp.Path, "01JD0000000000000000000EX2")).FullName;
        string recipe = new('f', 64);
        using (var writer = ProcessEventsWriter.Create(Path.Combine(folder, "events.bin.zst"), Descriptions.Sample(recipe)))
        {
            // Killed before the spawn event: Brioche never wrote more than the Description.
        }

        var launch = new BriocheLaunch();
        launch.Begin();
        launch.Started(Environment.ProcessId);
        BriocheJobTracker? described = null;
        var tracker = new BriocheJobTracker("01JD0000000000000000000EX2", folder, null, TimeSpan.FromMilliseconds(10), launch)
        {
            Described = t => described = t,
        };
        Task running = tracker.Start();
        tracker.Stop();
        await running;

        described.ShouldNotBeNull();
        tracker.IsOurs.ShouldBeTrue();
        tracker.Description!.RecipeHash.ShouldBe(recipe);
        tracker.DisplayName().ShouldNotBeNullOrEmpty();
        tracker.Pid.ShouldBeNull();
        tracker.Exit.ShouldBeNull();
    }

    [Fact]
    public async Task A_live_recorded_job_is_named_with_the_shell_quoted_command_as_show_of_its_events_file_names_it()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_temp.Path, "01JD0000000000000000000EX3")).FullName;
        string path = Path.Combine(folder, "events.bin.zst");
        // The sample's second argument holds backquotes: a shell must see it quoted.
        using (var writer = ProcessEventsWriter.Create(path, Descriptions.Sample(new string('a', 64))))
        {
            writer.WriteSpawned(GonePid);
            writer.WriteExited(0);
        }

        var launch = new BriocheLaunch();
        launch.Begin();
        launch.Started(Environment.ProcessId);
        var tracker = new BriocheJobTracker("01JD0000000000000000000EX3", folder, null, TimeSpan.FromMilliseconds(10), launch);
        Task running = tracker.Start();
        tracker.Stop();
        await running;

        (JobRecord fromFile, _) = BriocheImport.ToJob("01JD0000000000000000000EX3", ProcessLog.Read(path), path, DateTimeOffset.UnixEpoch);
        tracker.DisplayName().ShouldBe("/bin/sh -c 'echo `hi`\u00e9'");
        tracker.DisplayName().ShouldBe(fromFile.Name);
    }
}
