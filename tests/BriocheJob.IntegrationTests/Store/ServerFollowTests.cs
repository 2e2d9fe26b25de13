using System.Diagnostics;
using System.Text;
using BriocheJob.IntegrationTests.Brioche;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.Store;
using BriocheJob.TestSupport;

namespace BriocheJob.IntegrationTests.Store;

/// <summary>
/// <c>logs --follow</c> from another machine (another data home, no local events file) while a real <c>dotnet build</c>
/// records into the PostgreSQL test cluster. The recipe prints over 1 MiB (so frames complete while it runs) and then
/// waits for a marker file that the test writes only once the follower has printed the line before it: the job cannot
/// end before the follower saw its lines. At the end the follower's copy is the events file byte for byte.
/// </summary>
public sealed class ServerFollowTests : IDisposable
{
    private readonly TempDirectory _temp = new("bj-follow-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_follower_elsewhere_prints_lines_while_the_job_runs_and_ends_with_the_whole_log()
    {
        using var schema = new TestSchema();
        string marker = _temp.Combine("marker");
        string recorderHome = _temp.Combine("recorder-home");
        string followerHome = _temp.Combine("follower-home");
        string brioche = _temp.Combine("app", "slow");
        FakeBriocheProject.Write(brioche, "slow",
        [
            new FakeProcess($"echo first line; seq 1 200000; echo waiting for the follower; " +
                $"while [ ! -e '{marker}' ]; do sleep 0.1; done; echo after the marker; exit 3"),
        ]);
        string project = new GeneratedProject()
            .Property("BriocheExe", FakeBriocheProject.Executable)
            .Property("BriocheJobHome", recorderHome)
            .Item("BriocheProject", "slow")
            .WriteTo(_temp.Combine("app"));
        Task<ProcessResult> build = DotnetCli.BuildAsync(project, new Dictionary<string, string?>
        {
            ["BRIOCHE_DATA_DIR"] = _temp.Combine("brioche-data"),
            [StoreLocation.StoreVariable] = schema.ConnectionString(),
        });

        string jobId = await WaitForRunningJobWithLog(schema, build);
        using Process follower = StartFollower(followerHome, jobId, schema.ConnectionString());
        var printed = new StringBuilder();
        bool sawWaiting = false;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        Task<string> errorText = follower.StandardError.ReadToEndAsync();
        try
        {
            while (await follower.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                printed.AppendLine(line);
                if (!sawWaiting && line.EndsWith("waiting for the follower", StringComparison.Ordinal))
                {
                    sawWaiting = true;
                    using (PostgresJobStore store = schema.Open())
                    {
                        store.GetJob(jobId)!.Job.State.ShouldBe(RunState.Running, "the follower saw the line while the job ran");
                    }

                    await File.WriteAllTextAsync(marker, "go");
                }
            }

            await follower.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            // Whatever happened, let the job end, and leave no follower behind.
            await File.WriteAllTextAsync(marker, "go");
            if (!follower.HasExited)
            {
                follower.Kill(entireProcessTree: true);
            }
        }

        string errors = await errorText;
        ProcessResult built = await build;
        sawWaiting.ShouldBeTrue($"follower printed:\n{Tail(printed)}\n{errors}\nbuild:\n{built.Describe()}");
        follower.ExitCode.ShouldBe(0, errors);
        string text = printed.ToString();
        text.ShouldContain("first line");
        text.ShouldContain("] 200000");
        text.ShouldContain("after the marker");
        text.ShouldContain("process exited with code 3");
        built.ExitCode.ShouldNotBe(0, "the recipe failed");

        // The log in the server, and the copy another `logs` writes from it, are the recorder's events file.
        using PostgresJobStore server = schema.Open();
        JobRecord job = server.GetJob(jobId)!.Job;
        job.State.ShouldBe(RunState.Finished);
        server.GetLogState(jobId)!.Value.Complete.ShouldBeTrue();
        byte[] original = await File.ReadAllBytesAsync(job.LocalPath!);
        server.GetLogFrameSizes(jobId).Count.ShouldBeGreaterThan(2, "over 1 MiB of output makes several frames");
        string copy = _temp.Combine("copy.events.bin.zst");
        LogFrames.Download(server, jobId, copy).ShouldBeTrue();
        (await File.ReadAllBytesAsync(copy)).ShouldBe(original);
        string cached = Path.Combine(followerHome, "cache", "logs", jobId + ".events.bin.zst");
        if (File.Exists(cached))
        {
            (await File.ReadAllBytesAsync(cached)).ShouldBe(original);
        }
    }

    private static async Task<string> WaitForRunningJobWithLog(TestSchema schema, Task<ProcessResult> build)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (build.IsCompleted)
            {
                throw new InvalidOperationException($"the build ended before its job ran:\n{(await build).Describe()}");
            }

            try
            {
                using PostgresJobStore store = schema.Open();
                JobView? running = store.QueryJobs(new JobQuery(Limit: 5)).FirstOrDefault(j => j.Job.State == RunState.Running);
                if (running is not null && store.GetLogState(running.Job.Id) is not null)
                {
                    return running.Job.Id;
                }
            }
            catch (BriocheJobException)
            {
                // The recorder has not made the schema yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("no running job with a log appeared in the server");
    }

    private static Process StartFollower(string home, string jobId, string store)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (string argument in (string[])[RepositoryLayout.CliAssembly, "logs", "--follow", jobId, "--store", store])
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string? value) in DotnetCli.IsolatedEnvironment())
        {
            start.Environment[name] = value;
        }

        start.Environment["BRIOCHE_JOB_HOME"] = home;
        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove(StoreLocation.StoreVariable);
        return Process.Start(start)!;
    }

    private static string Tail(StringBuilder printed)
    {
        string text = printed.ToString();
        return text.Length <= 2000 ? text : text[^2000..];
    }
}
