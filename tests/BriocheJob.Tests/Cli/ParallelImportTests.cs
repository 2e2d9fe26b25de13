using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using BriocheJob.Brioche;
using BriocheJob.Store;

namespace BriocheJob.Tests.Cli;

/// <summary>Real processes importing one Brioche data dir at once, as parallel CI steps would.</summary>
public sealed partial class ParallelImportTests : IDisposable
{
    private const int Processes = 8;
    private const int Jobs = 5;
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Parallel_imports_of_one_data_dir_record_each_job_once_in_the_build_that_recorded_it_first()
    {
        for (int i = 0; i < Jobs; i++)
        {
            _cli.WriteEvents($"data/process-temp/01JD00000000000000000000P{i}", new string((char)('a' + i), 64), (uint)(100 + i),
                [(OutputStream.Stdout, $"job {i}\n")], new ExitedEvent(40, i % 2 == 0 ? 0 : 3));
        }

        string tool = Path.Combine(AppContext.BaseDirectory, "dotnet-brioche-job");
        Task<(int Exit, string Out, string Error)>[] runs = [.. Enumerable.Range(0, Processes).Select(_ => Task.Run(() =>
            RunProcess(tool, "--home", _cli.HomePath, "import", "brioche", "--data-dir", _cli.Temp.File("data"))))];
        (int Exit, string Out, string Error)[] results = await Task.WhenAll(runs);

        int imported = 0, failed = 0, already = 0;
        var buildIds = new HashSet<string>();
        foreach ((int exit, string output, string error) in results)
        {
            exit.ShouldBe(0, error);
            Match line = ImportLine().Match(output);
            line.Success.ShouldBeTrue(output);
            imported += int.Parse(line.Groups["new"].Value, System.Globalization.CultureInfo.InvariantCulture);
            failed += int.Parse(line.Groups["failed"].Value, System.Globalization.CultureInfo.InvariantCulture);
            already += int.Parse(line.Groups["already"].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (line.Groups["build"].Success)
            {
                buildIds.Add(line.Groups["build"].Value);
            }
        }

        imported.ShouldBe(Jobs);
        failed.ShouldBe(2);
        already.ShouldBe(Processes * Jobs - Jobs);

        // Every build left behind is one that reported new jobs, and holds exactly those.
        using JsonDocument builds = JsonDocument.Parse(_cli.Run("builds", "--json", "--limit", "100").Out);
        JsonElement[] all = [.. builds.RootElement.EnumerateArray()];
        all.Select(b => b.GetProperty("id").GetString()!).ToHashSet().ShouldBe(buildIds, ignoreOrder: true);
        all.Sum(b => b.GetProperty("jobCount").GetInt32()).ShouldBe(Jobs);
        all.ShouldAllBe(b => b.GetProperty("jobCount").GetInt32() > 0 && b.GetProperty("projectCount").GetInt32() > 0);
        all.Sum(b => b.GetProperty("failedJobCount").GetInt32()).ShouldBe(2);
    }

    [Fact]
    public void A_job_belongs_to_the_build_that_recorded_it_first_forever()
    {
        using var store = _cli.OpenStore();
        var first = store.BeginBuild(new BuildRequest(BuildOrigin.Import, null, "/a"));
        var second = store.BeginBuild(new BuildRequest(BuildOrigin.Import, null, "/b"));
        long p1 = store.AddProject(first.Id, new ProjectRequest(JobKind.Brioche, "one")).Id;
        long p2 = store.AddProject(second.Id, new ProjectRequest(JobKind.Brioche, "two")).Id;
        var job = new JobRecord("01JD0000000000000000000FF1", p1, JobKind.Brioche, "first", CliHarness.T0);
        store.SaveJob(job);
        store.SaveJob(job with { BuildProjectId = p2, Name = "second" });
        store.GetJob(job.Id)!.Build!.Id.ShouldBe(first.Id);
        store.GetJob(job.Id)!.Job.Name.ShouldBe("first");

        // The same recorder still updates its own job (running, then finished).
        store.SaveJob(job with { State = RunState.Finished, Result = RunResult.Succeeded });
        store.GetJob(job.Id)!.Job.Result.ShouldBe(RunResult.Succeeded);

        store.DiscardIfEmpty(second.Id).ShouldBeTrue();
        store.GetBuild(second.Id).ShouldBeNull();
        store.DiscardIfEmpty(first.Id).ShouldBeFalse();
    }

    private static (int Exit, string Out, string Error) RunProcess(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }

    [GeneratedRegex(@"^imported (?<new>\d+) new jobs? \((?<failed>\d+) failed\)(?: into build (?<build>\w+))?, (?<already>\d+) already recorded")]
    private static partial Regex ImportLine();
}
