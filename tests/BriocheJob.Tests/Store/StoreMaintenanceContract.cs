using System.Text;
using BriocheJob.Brioche;
using BriocheJob.Bundles;
using BriocheJob.Diagnostics;
using BriocheJob.Retention;
using BriocheJob.Store;
using BriocheJob.Tests.Brioche;
using BriocheJob.TestSupport;

namespace BriocheJob.Tests.Store;

/// <summary>
/// Retention (<c>prune</c>) and whole-build recording (<c>import bundle</c>) give the same answers in both stores:
/// rows change in one transaction, running jobs whose recorder lives are kept, empty old projects and builds go, and a
/// bundle is recorded whole or not at all. Each test runs against SQLite and against the PostgreSQL test cluster.
/// </summary>
public abstract class StoreMaintenanceContract : IDisposable
{
    protected static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private protected TempHome Temp { get; } = new();

    protected abstract IJobStore OpenStore();

    public virtual void Dispose() => Temp.Dispose();

    /// <summary>Writes a finished job's events file under home/jobs/ID and returns its path.</summary>
    protected string Log(string id, string text)
    {
        string path = Path.Combine(Temp.Home.EnsureJobDirectory(id), "events.bin.zst");
        using var writer = ProcessEventsWriter.Create(path, Descriptions.Sample());
        writer.Write(new StdoutEvent(10, Encoding.UTF8.GetBytes(text)));
        writer.Write(new ExitedEvent(20, 1));
        writer.Complete();
        return path;
    }

    [Fact]
    public void Retention_changes_rows_in_one_go_and_keeps_a_running_job_whose_recorder_lives()
    {
        using IJobStore store = OpenStore();
        BuildRecord old = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: Now.AddDays(-400)));
        ProjectRecord oldProject = store.AddProject(old.Id, new ProjectRequest(JobKind.Brioche, "old"));
        store.FinishBuild(old.Id, RunState.Finished, RunResult.Failed, Now.AddDays(-400));
        BuildRecord recent = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: Now.AddDays(-2)));
        ProjectRecord project = store.AddProject(recent.Id, new ProjectRequest(JobKind.Brioche, "app"));
        store.SaveJobs(
        [
            new JobRecord("OLD1", oldProject.Id, JobKind.Brioche, "gone", Now.AddDays(-400), Now.AddDays(-400), RunState.Finished, RunResult.Failed, OwnerPid: 999999),
            new JobRecord("LOG1", project.Id, JobKind.Brioche, "cleared", Now.AddDays(-2), Now.AddDays(-2), RunState.Finished, RunResult.Failed,
                OwnerPid: 999999, LocalPath: "/x/events.bin.zst"),
            new JobRecord("RUN1", project.Id, JobKind.Brioche, "running", Now.AddDays(-2), OwnerPid: Environment.ProcessId),
        ]);

        RetentionChange change = ((IStoreMaintenance)store).ApplyRetention(["LOG1", "nope"], ["OLD1", "RUN1"], Now.AddDays(-180));

        change.ShouldBe(new RetentionChange(LogsCleared: 1, JobsDeleted: 1, ProjectsDeleted: 1, BuildsDeleted: 1));
        store.GetJob("OLD1").ShouldBeNull();
        store.GetJob("LOG1")!.Job.LocalPath.ShouldBeNull();
        store.GetJob("RUN1")!.Job.State.ShouldBe(RunState.Running);
        store.GetBuild(old.Id).ShouldBeNull();
        store.GetBuild(recent.Id)!.Projects.ShouldHaveSingleItem();
        ((IStoreMaintenance)store).BuildIds().ShouldBe([recent.Id]);
        ((IStoreMaintenance)store).ReferencedLocalPaths().ShouldBeEmpty();
    }

    [Fact]
    public void A_whole_build_is_recorded_all_or_nothing()
    {
        using IJobStore store = OpenStore();
        var maintenance = (IStoreMaintenance)store;
        string log = Log("01JDWHOLE00000000000000001", "imported output\n");
        var build = new BuildRecord("01JDWHOLEB0000000000000001", null, BuildOrigin.Import, "/src", null, Now, Now.AddSeconds(9),
            RunState.Finished, RunResult.Failed);
        ProjectRequest[] projects = [new(JobKind.Brioche, "hello", "abc", "/src/project.bri")];
        (int, JobRecord)[] jobs =
        [
            (0, new JobRecord("01JDWHOLE00000000000000001", null, JobKind.Brioche, "process", Now, Now.AddSeconds(1), RunState.Finished,
                RunResult.Failed, ExitCode: 1, RecipeHash: "aa", LocalPath: log)),
            (-1, new JobRecord("01JDWHOLE00000000000000002", null, JobKind.Brioche, "loose", Now.AddSeconds(2), Now.AddSeconds(3),
                RunState.Finished, RunResult.Succeeded)),
        ];

        BuildRecord recorded = maintenance.RecordWholeBuild(build, projects, jobs);

        recorded.Id.ShouldBe(build.Id);
        BuildDetails details = store.GetBuild(build.Id).ShouldNotBeNull();
        details.Projects.ShouldHaveSingleItem().Name.ShouldBe("hello");
        details.Jobs.ShouldHaveSingleItem().Job.LocalPath.ShouldBe(log);
        store.GetJob("01JDWHOLE00000000000000002")!.Job.BuildProjectId.ShouldBeNull();
        store.GetJob("01JDWHOLE00000000000000001")!.Job.OwnerPid.ShouldBeNull();
        // Its step key is the one a recorder would write: the history commands find the imported job.
        JobView importedJob = store.GetJob("01JDWHOLE00000000000000001")!;
        string key = StepKeys.Of(importedJob).ShouldNotBeNull();
        JobRecord later = jobs[0].Item2 with { Id = "01JDWHOLE00000000000000009", StartedAt = Now.AddHours(1), LocalPath = null };
        store.FindPreviousByStepKey(key, later).ShouldNotBeNull().Job.Id.ShouldBe(importedJob.Job.Id);

        // Again under another build id: the first job is there already, so nothing of the second build is written.
        BriocheJobException again = Should.Throw<BriocheJobException>(() =>
            maintenance.RecordWholeBuild(build with { Id = "01JDWHOLEB0000000000000002" }, projects, jobs));
        again.Code.ShouldBe(Catalog.Store.AlreadyRecorded);
        store.GetBuild("01JDWHOLEB0000000000000002").ShouldBeNull();
        store.Describe().Jobs.ShouldBe(2);
        store.Describe().Projects.ShouldBe(1);
        Should.Throw<BriocheJobException>(() => maintenance.RecordWholeBuild(build, [], [])).Code.ShouldBe(Catalog.Store.AlreadyRecorded);
    }

    [Fact]
    public void Prune_clears_old_logs_and_deletes_their_files_after_the_rows()
    {
        string oldLog = Log("01JDPRUNE00000000000000001", "old failure\n");
        string newLog = Log("01JDPRUNE00000000000000002", "new failure\n");
        using IJobStore store = OpenStore();
        BuildRecord build = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: Now.AddDays(-60)));
        ProjectRecord project = store.AddProject(build.Id, new ProjectRequest(JobKind.Brioche, "app"));
        store.SaveJobs(
        [
            new JobRecord("01JDPRUNE00000000000000001", project.Id, JobKind.Brioche, "a", Now.AddDays(-40), Now.AddDays(-40),
                RunState.Finished, RunResult.Failed, RecipeHash: "r1", OwnerPid: 999999, LocalPath: oldLog),
            new JobRecord("01JDPRUNE00000000000000002", project.Id, JobKind.Brioche, "b", Now.AddDays(-1), Now.AddDays(-1),
                RunState.Finished, RunResult.Failed, RecipeHash: "r2", OwnerPid: 999999, LocalPath: newLog),
        ]);
        AfterSeeding(store);

        PruneReport report = new Pruner(store, Temp.Home).Run(new PrunePolicy(), Now);

        report.FailedLogs.ShouldBe(1);
        File.Exists(oldLog).ShouldBeFalse();
        File.Exists(newLog).ShouldBeTrue();
        store.GetJob("01JDPRUNE00000000000000001")!.Job.LocalPath.ShouldBeNull();
        store.GetJob("01JDPRUNE00000000000000002")!.Job.LocalPath.ShouldBe(newLog);
        AfterPrune(store);
    }

    [Fact]
    public void Import_bundle_records_an_exported_build_with_its_logs()
    {
        string bundle = Path.Combine(Temp.Path, "build.bjbundle");
        string log = Log("01JDBNDXE00000000000000001", "bundled failure\n");
        using (SqliteJobStore source = SqliteJobStore.Open(Path.Combine(Temp.Path, "source.db")))
        {
            BuildRecord build = source.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: Now));
            ProjectRecord project = source.AddProject(build.Id, new ProjectRequest(JobKind.Brioche, "app"));
            source.SaveJob(new JobRecord("01JDBNDXE00000000000000001", project.Id, JobKind.Brioche, "p", Now, Now.AddSeconds(1),
                RunState.Finished, RunResult.Failed, ExitCode: 1, OwnerPid: 999999, LocalPath: log));
            source.FinishBuild(build.Id, RunState.Finished, RunResult.Failed, Now.AddSeconds(2));
            BuildDetails details = source.GetBuild(build.Id)!;
            BundleExporter.Export(details, details.Jobs, bundle, [], Now);
        }

        File.Delete(log);
        using IJobStore store = OpenStore();
        BundleImportResult imported = BundleImporter.Import(bundle, Temp.Home, store, Now.AddHours(1));

        imported.Jobs.ShouldBe(1);
        JobRecord job = store.GetJob("01JDBNDXE00000000000000001").ShouldNotBeNull().Job;
        job.Result.ShouldBe(RunResult.Failed);
        File.Exists(job.LocalPath).ShouldBeTrue();
        store.GetBuild(imported.Build.Id)!.Build.Origin.ShouldBe(BuildOrigin.Import);
        AfterImport(store, job);
        Should.Throw<BriocheJobException>(() => BundleImporter.Import(bundle, Temp.Home, store, Now.AddHours(2)))
            .Code.ShouldBe(Catalog.Store.AlreadyRecorded);
    }

    protected virtual void AfterSeeding(IJobStore store)
    {
    }

    protected virtual void AfterPrune(IJobStore store)
    {
    }

    protected virtual void AfterImport(IJobStore store, JobRecord job)
    {
    }
}

public sealed class SqliteStoreMaintenanceTests : StoreMaintenanceContract
{
    protected override IJobStore OpenStore() => Temp.Open();
}

public sealed class PostgresStoreMaintenanceTests : StoreMaintenanceContract
{
    private readonly TestSchema _schema = new();

    protected override IJobStore OpenStore() => _schema.Open();

    public override void Dispose()
    {
        _schema.Dispose();
        base.Dispose();
    }

    /// <summary>The server holds the logs too, as the recorders send them.</summary>
    protected override void AfterSeeding(IJobStore store)
    {
        foreach (JobView view in store.QueryJobs(new JobQuery()))
        {
            LogFrames.Upload((IJobLogStore)store, view.Job.Id, view.Job.LocalPath!, complete: true).ShouldBeGreaterThan(0);
        }
    }

    /// <summary>The cleared log's frames went with it; the kept one is whole.</summary>
    protected override void AfterPrune(IJobStore store)
    {
        var logs = (IJobLogStore)store;
        logs.GetLogState("01JDPRUNE00000000000000001").ShouldBeNull();
        _schema.Scalar("SELECT count(*) FROM job_log_frames WHERE job_id = '01jdprune00000000000000001'").ShouldBe(0L);
        logs.GetLogState("01JDPRUNE00000000000000002")!.Value.Complete.ShouldBeTrue();
    }

    /// <summary>The imported log is in the server, byte for byte the file.</summary>
    protected override void AfterImport(IJobStore store, JobRecord job)
    {
        var logs = (IJobLogStore)store;
        logs.GetLogState(job.Id)!.Value.Complete.ShouldBeTrue();
        string copy = Path.Combine(Temp.Path, "copy.zst");
        LogFrames.Download(logs, job.Id, copy).ShouldBeTrue();
        File.ReadAllBytes(copy).ShouldBe(File.ReadAllBytes(job.LocalPath!));
    }
}
