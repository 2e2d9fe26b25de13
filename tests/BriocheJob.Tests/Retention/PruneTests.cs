using System.Text;
using System.Text.Json;
using BriocheJob.Brioche;
using BriocheJob.Store;
using BriocheJob.Tests.Brioche;
using BriocheJob.Tests.Cli;
using Microsoft.Data.Sqlite;

namespace BriocheJob.Tests.Retention;

/// <summary><c>prune</c> through the CLI on a store seeded with jobs of known ages (the harness clock is T0 + 1 day).</summary>
public sealed class PruneTests : IDisposable
{
    private static readonly DateTimeOffset Now = CliHarness.T0.AddDays(1);
    private static readonly string RecipeA = new('a', 64);
    private static readonly string RecipeB = new('b', 64);
    private readonly CliHarness _cli = new();
    private long _project;

    public void Dispose() => _cli.Dispose();

    private DataHome Home => new(_cli.HomePath);

    /// <summary>Writes a job's events file under home/jobs/ID and returns its path.</summary>
    private string Log(string id, string text = "some output\n")
    {
        var path = Path.Combine(Home.EnsureJobDirectory(id), "events.bin.zst");
        using var writer = ProcessEventsWriter.Create(path, Descriptions.Sample());
        writer.Write(new StdoutEvent(10, Encoding.UTF8.GetBytes(text)));
        writer.Write(new ExitedEvent(20, 0));
        writer.Complete();
        return path;
    }

    private static string Id(int n) => $"01JD0000PR{n:D16}";

    private JobRecord Job(int n, double daysAgo, RunResult? result, string recipe, string? localPath, RunState state = RunState.Finished, int? owner = 999999) =>
        new(Id(n), _project, JobKind.Brioche, $"job {n}", Now.AddDays(-daysAgo), Now.AddDays(-daysAgo).AddSeconds(1), state, result,
            RecipeHash: recipe, LocalPath: localPath, OwnerPid: owner);

    private void Seed(params JobRecord[] jobs)
    {
        using var store = _cli.OpenStore();
        if (_project == 0)
        {
            var build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: Now.AddDays(-400)));
            _project = store.AddProject(build.Id, new ProjectRequest(JobKind.Brioche, "app")).Id;
            store.FinishBuild(build.Id, RunState.Finished, RunResult.Failed, Now.AddDays(-400));
            jobs = jobs.Select(j => j with { BuildProjectId = _project }).ToArray();
        }

        store.SaveJobs(jobs);
    }

    [Fact]
    public void Defaults_remove_old_failed_logs_succeeded_logs_beyond_three_per_recipe_and_old_rows()
    {
        Seed();
        var oldFailed = Log(Id(1));
        var recentFailed = Log(Id(2));
        var succeeded = Enumerable.Range(3, 5).Select(n => Log(Id(n))).ToList();
        var otherRecipe = Log(Id(8));
        var ancient = Log(Id(9));
        Seed(
            Job(1, 31, RunResult.Failed, RecipeA, oldFailed),
            Job(2, 29, RunResult.Failed, RecipeA, recentFailed),
            Job(3, 1, RunResult.Succeeded, RecipeB, succeeded[0]),
            Job(4, 2, RunResult.Succeeded, RecipeB, succeeded[1]),
            Job(5, 3, RunResult.Succeeded, RecipeB, succeeded[2]),
            Job(6, 4, RunResult.Succeeded, RecipeB, succeeded[3]),
            Job(7, 5, RunResult.Succeeded, RecipeB, succeeded[4]),
            Job(8, 50, RunResult.Succeeded, RecipeA, otherRecipe),
            Job(9, 181, RunResult.Failed, RecipeA, ancient));

        var result = _cli.Run("prune");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Out.ShouldContain("removed 1 failed log, 2 succeeded logs, 1 job row (0 builds), 0 orphaned files");
        result.Out.ShouldContain("policy: failed logs 30 days, the last 3 succeeded logs per recipe, job rows 180 days");
        File.Exists(oldFailed).ShouldBeFalse();
        Directory.Exists(Path.GetDirectoryName(oldFailed)).ShouldBeFalse("an emptied job folder goes too");
        File.Exists(recentFailed).ShouldBeTrue();
        succeeded.Take(3).ShouldAllBe(p => File.Exists(p));
        succeeded.Skip(3).ShouldAllBe(p => !File.Exists(p));
        File.Exists(otherRecipe).ShouldBeTrue("the only succeeded log of its recipe");
        File.Exists(ancient).ShouldBeFalse();

        using var store = _cli.OpenStore();
        store.GetJob(Id(1)).ShouldNotBeNull().Job.LocalPath.ShouldBeNull();
        store.GetJob(Id(6)).ShouldNotBeNull().Job.LocalPath.ShouldBeNull();
        store.GetJob(Id(3)).ShouldNotBeNull().Job.LocalPath.ShouldBe(succeeded[0]);
        store.GetJob(Id(9)).ShouldBeNull();
        AllRowsPointAtExistingFiles(store);

        var json = _cli.Run("prune", "--json", "--dry-run");
        using var doc = JsonDocument.Parse(json.Out);
        doc.RootElement.GetProperty("failedLogs").GetInt32().ShouldBe(0, "nothing is left to remove");
        doc.RootElement.GetProperty("dryRun").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public void Freed_bytes_are_the_sizes_of_the_removed_files_and_json_has_every_count()
    {
        Seed();
        var a = Log(Id(1), new string('x', 5000));
        var b = Log(Id(2), "short\n");
        Seed(Job(1, 40, RunResult.Failed, RecipeA, a), Job(2, 200, RunResult.Succeeded, RecipeB, b));
        long expected = new FileInfo(a).Length + new FileInfo(b).Length;

        var result = _cli.Run("prune", "--json");

        result.ExitCode.ShouldBe(0, result.Error);
        using var doc = JsonDocument.Parse(result.Out);
        var root = doc.RootElement;
        root.GetProperty("failedLogs").GetInt32().ShouldBe(1);
        root.GetProperty("jobRows").GetInt32().ShouldBe(1);
        root.GetProperty("bytesFreed").GetInt64().ShouldBe(expected);
        root.GetProperty("dryRun").GetBoolean().ShouldBeFalse();
        root.TryGetProperty("databaseBytesFreed", out _).ShouldBeTrue();
        root.TryGetProperty("runningSkipped", out _).ShouldBeTrue();
    }

    [Fact]
    public void Dry_run_counts_the_same_and_changes_nothing()
    {
        Seed();
        var a = Log(Id(1));
        Seed(Job(1, 40, RunResult.Failed, RecipeA, a), Job(2, 200, RunResult.Failed, RecipeA, null));

        var dry = _cli.Run("prune", "--dry-run");

        dry.ExitCode.ShouldBe(0, dry.Error);
        dry.Out.ShouldContain("would remove 1 failed log, 0 succeeded logs, 1 job row");
        dry.Out.ShouldContain($"would free {BriocheJob.Retention.SizeText.Format(new FileInfo(a).Length)}");
        File.Exists(a).ShouldBeTrue();
        using (var store = _cli.OpenStore())
        {
            store.GetJob(Id(1)).ShouldNotBeNull().Job.LocalPath.ShouldBe(a);
            store.GetJob(Id(2)).ShouldNotBeNull();
        }

        _cli.Run("prune").Out.ShouldContain("removed 1 failed log, 0 succeeded logs, 1 job row");
    }

    [Fact]
    public void Options_change_the_limits()
    {
        Seed();
        var failed = Log(Id(1));
        var s1 = Log(Id(2));
        var s2 = Log(Id(3));
        Seed(Job(1, 3, RunResult.Failed, RecipeA, failed), Job(2, 1, RunResult.Succeeded, RecipeB, s1), Job(3, 2, RunResult.Succeeded, RecipeB, s2));

        var result = _cli.Run("prune", "--keep-failed-days", "2", "--keep-succeeded", "1", "--keep-rows-days", "365");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Out.ShouldContain("removed 1 failed log, 1 succeeded log, 0 job rows");
        File.Exists(failed).ShouldBeFalse();
        File.Exists(s1).ShouldBeTrue();
        File.Exists(s2).ShouldBeFalse();

        var bad = _cli.Run("prune", "--keep-succeeded", "-1");
        bad.ExitCode.ShouldBe(2);
        bad.Error.ShouldStartWith("error BJ6011: --keep-succeeded expects a whole number of at least 0");
    }

    [Fact]
    public void A_running_job_and_a_log_another_row_points_at_are_never_removed()
    {
        Seed();
        var runningLog = Log(Id(1));
        var shared = Log(Id(2));
        Seed(
            Job(1, 300, null, RecipeA, runningLog, RunState.Running, owner: Environment.ProcessId),
            Job(2, 40, RunResult.Failed, RecipeA, shared),
            Job(3, 1, RunResult.Failed, RecipeA, shared));

        var result = _cli.Run("prune");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Out.ShouldContain("kept 1 running job, 1 log another job points at");
        File.Exists(runningLog).ShouldBeTrue();
        File.Exists(shared).ShouldBeTrue();
        using var store = _cli.OpenStore();
        store.GetJob(Id(1)).ShouldNotBeNull().Job.State.ShouldBe(RunState.Running);
        store.GetJob(Id(3)).ShouldNotBeNull().Job.LocalPath.ShouldBe(shared);
    }

    [Fact]
    public void A_log_outside_the_data_home_is_left_alone()
    {
        Seed();
        var outside = _cli.WriteEvents("process-temp-copy", RecipeA, 1, [(OutputStream.Stdout, "x\n")], new ExitedEvent(5, 1));
        Seed(Job(1, 40, RunResult.Failed, RecipeA, outside));

        var result = _cli.Run("prune");

        result.Out.ShouldContain("removed 0 failed logs");
        result.Out.ShouldContain("1 log outside the data home");
        File.Exists(outside).ShouldBeTrue();
    }

    [Fact]
    public void Files_no_row_points_at_are_removed_once_they_are_an_hour_old()
    {
        Seed();
        var old = Log(Id(1));
        var young = Log(Id(2));
        File.SetLastWriteTimeUtc(old, Now.UtcDateTime.AddHours(-2));
        File.SetLastWriteTimeUtc(young, Now.UtcDateTime.AddMinutes(-10));

        var result = _cli.Run("prune");

        result.Out.ShouldContain("1 orphaned file");
        File.Exists(old).ShouldBeFalse();
        File.Exists(young).ShouldBeTrue("a recorder may be writing it before its row is saved");
    }

    [Fact]
    public void A_new_store_uses_incremental_auto_vacuum_and_an_old_one_is_switched_by_its_first_prune()
    {
        using (var store = _cli.OpenStore())
        {
            store.AutoVacuumMode.ShouldBe(2);
        }

        // A store from before this version: auto_vacuum NONE.
        using (var raw = new SqliteConnection($"Data Source={Home.DatabasePath};Pooling=false"))
        {
            raw.Open();
            using var command = raw.CreateCommand();
            command.CommandText = "PRAGMA auto_vacuum = NONE; VACUUM;";
            command.ExecuteNonQuery();
            command.CommandText = "PRAGMA auto_vacuum;";
            Convert.ToInt32(command.ExecuteScalar()).ShouldBe(0);
        }

        _cli.Run("prune").ExitCode.ShouldBe(0);

        using (var store = _cli.OpenStore())
        {
            store.AutoVacuumMode.ShouldBe(2);
        }
    }

    [Fact]
    public void Removing_many_rows_gives_the_database_pages_back()
    {
        Seed();
        Seed(Enumerable.Range(1, 3000).Select(n => Job(n, 200, RunResult.Failed, RecipeA, null) with { Message = new string('m', 500) }).ToArray());

        var result = _cli.Run("prune", "--json");

        using var doc = JsonDocument.Parse(result.Out);
        doc.RootElement.GetProperty("jobRows").GetInt32().ShouldBe(3000);
        doc.RootElement.GetProperty("databaseBytesFreed").GetInt64().ShouldBeGreaterThan(1_000_000);
    }

    [Fact]
    public void Brioche_temps_removes_only_folders_of_finished_jobs_we_recorded_and_hold_a_copy_of()
    {
        var processTemp = _cli.Temp.File("brioche-data/process-temp");
        string Folder(int n)
        {
            var dir = Path.Combine(processTemp, Id(n));
            Directory.CreateDirectory(Path.Combine(dir, "outputs"));
            File.WriteAllText(Path.Combine(dir, "outputs", "file.txt"), new string('o', 1000));
            File.WriteAllText(Path.Combine(dir, "events.bin.zst"), "not read");
            return dir;
        }

        var recorded = Folder(1);
        var notRecorded = Folder(2);
        var running = Folder(3);
        var onlyCopy = Folder(4);
        Seed();
        Seed(
            Job(1, 1, RunResult.Failed, RecipeA, Log(Id(1))),
            Job(3, 1, null, RecipeA, null, RunState.Running, owner: Environment.ProcessId),
            Job(4, 1, RunResult.Failed, RecipeA, Path.Combine(onlyCopy, "events.bin.zst")));

        var result = _cli.Run("prune", "--brioche-temps", "--data-dir", _cli.Temp.File("brioche-data"));

        result.ExitCode.ShouldBe(0, result.Error);
        result.Out.ShouldContain($"removed 1 Brioche process-temp folder from {processTemp}");
        result.Out.ShouldContain("kept 1 holding a job's only log");
        Directory.Exists(recorded).ShouldBeFalse();
        Directory.Exists(notRecorded).ShouldBeTrue();
        Directory.Exists(running).ShouldBeTrue();
        Directory.Exists(onlyCopy).ShouldBeTrue();
    }

    internal static void AllRowsPointAtExistingFiles(IJobStore store)
    {
        foreach (var view in store.QueryJobs(new JobQuery(Limit: int.MaxValue)))
        {
            if (view.Job.LocalPath is { } path)
            {
                File.Exists(path).ShouldBeTrue($"job {view.Job.Id} points at {path}");
            }
        }
    }
}
