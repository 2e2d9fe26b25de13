using System.Text.Json;
using System.Text.RegularExpressions;
using BriocheJob.Brioche;
using BriocheJob.Cli.Commands;
using BriocheJob.Store;

namespace BriocheJob.Tests.Cli;

/// <summary>Every short id a command prints selects that one job in the whole store, not only among its rows.</summary>
public sealed partial class ShortIdsInTheStoreTests : IDisposable
{
    // The two jobs share 13 characters; only the newer one is in list's 20 rows, or in the newer build.
    private const string Shown = "01M8SJ086XJQAAAAAAAAAAAAA1";
    private const string Hidden = "01M8SJ086XJQABBBBBBBBBBBB2";
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void A_short_id_printed_by_list_builds_show_show_json_diff_or_timeline_selects_that_one_job_in_the_whole_store()
    {
        string events = _cli.WriteEvents("shown", new string('a', 64), 10, [(OutputStream.Stdout, "the shown job\n")], new ExitedEvent(20, 0));
        string baseBuild, headBuild;
        using (SqliteJobStore store = _cli.OpenStore())
        {
            DateTimeOffset t = CliHarness.T0;
            BuildRecord older = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: t));
            long oldApp = store.AddProject(older.Id, new ProjectRequest(JobKind.Brioche, "app")).Id;
            store.SaveJob(new JobRecord(Hidden, oldApp, JobKind.Brioche, "/bin/sh -c make", t, t.AddSeconds(1), RunState.Finished,
                RunResult.Succeeded, ExitCode: 0));
            store.FinishBuild(older.Id, RunState.Finished, RunResult.Succeeded, t.AddSeconds(2));

            BuildRecord newer = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: t.AddHours(1)));
            long app = store.AddProject(newer.Id, new ProjectRequest(JobKind.Brioche, "app")).Id;
            var jobs = new List<JobRecord>
            {
                new(Shown, app, JobKind.Brioche, "/bin/sh -c make", t.AddHours(1), t.AddHours(1).AddSeconds(1), RunState.Finished,
                    RunResult.Succeeded, ExitCode: 0, LocalPath: events),
            };
            for (int i = 1; i < ListCommand.DefaultLimit; i++)
            {
                jobs.Add(new JobRecord($"01M9{i:D22}", app, JobKind.Brioche, $"/bin/sh -c step{i}", t.AddHours(1).AddSeconds(i),
                    t.AddHours(1).AddSeconds(i + 1), RunState.Finished, RunResult.Succeeded, ExitCode: 0));
            }

            store.SaveJobs(jobs);
            store.FinishBuild(newer.Id, RunState.Finished, RunResult.Succeeded, t.AddHours(2));
            (baseBuild, headBuild) = (older.Id, newer.Id);
        }

        var printed = new Dictionary<string, string>();
        foreach (string[] command in (string[][])[["list"], ["list", "--json"], ["show", Shown, "--json"], ["builds", "show", headBuild],
                     ["builds", "show", headBuild, "--json"], ["builds", "timeline", headBuild], ["builds", "diff", baseBuild, headBuild, "--json"]])
        {
            CliResult result = _cli.Run(command);
            result.ExitCode.ShouldBe(0, result.Error);
            string[] found = [.. SharedPrefix().Matches(result.Out).Select(m => m.Value).Distinct()];
            found.ShouldNotBeEmpty(string.Join(' ', command));
            foreach (string shortId in found)
            {
                printed[shortId] = string.Join(' ', command);
            }
        }

        // Before: list, builds show and the timeline printed 01M8SJ08, which is also the start of the hidden job's id.
        printed.Keys.Where(k => k.Length < Shown.Length).Order().ShouldBe(["01M8SJ086XJQAA", "01M8SJ086XJQAB"]);
        using JsonDocument listed = JsonDocument.Parse(_cli.Run("list", "--json").Out);
        listed.RootElement.EnumerateArray().Single(e => e.GetProperty("id").GetString() == Shown)
            .GetProperty("shortId").GetString().ShouldBe("01M8SJ086XJQAA");
        foreach ((string shortId, string command) in printed)
        {
            CliResult show = _cli.Run("show", shortId, "--json");
            show.ExitCode.ShouldBe(0, $"{shortId} from '{command}': {show.Error}");
            using JsonDocument job = JsonDocument.Parse(show.Out);
            job.RootElement.GetProperty("id").GetString().ShouldBe(Hidden.StartsWith(shortId, StringComparison.Ordinal) ? Hidden : Shown);
        }

        CliResult logs = _cli.Run("logs", "01M8SJ086XJQAA");
        logs.ExitCode.ShouldBe(0, logs.Error);
        logs.Out.ShouldContain("the shown job");
    }

    [GeneratedRegex("01M8SJ08[0-9A-Z]*")]
    private static partial Regex SharedPrefix();
}
