using BriocheJob.Diagnostics;
using BriocheJob.Jobs;
using BriocheJob.Store;
using BriocheJob.Tests.Store;

namespace BriocheJob.Tests.Jobs;

public sealed class JobSelectorResolverTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string RecipeA = "abcdef12" + new string('0', 56);
    private static readonly string RecipeB = "abcdef34" + new string('1', 56);
    private static readonly string RecipeC = "0123456789" + new string('c', 54);

    private readonly TempHome _temp = new();
    private readonly SqliteJobStore _store;
    private readonly HashSet<string> _existingFiles = [];
    private readonly JobSelectorResolver _resolver;

    public JobSelectorResolverTests()
    {
        _store = _temp.Open();
        _resolver = new JobSelectorResolver(_store, _existingFiles.Contains);
        // Oldest to newest.
        Save("01JD0000AAAA00000000000001", 0, RunResult.Failed, RecipeA, pid: 1001);
        Save("01JD0000AAAA00000000000002", 1, RunResult.Succeeded, RecipeA, pid: 1002);
        Save("01JD0000BBBB00000000000003", 2, RunResult.Failed, RecipeB, pid: 1001);
        Save("01JD0000CCCC00000000000004", 3, RunResult.Succeeded, RecipeC, pid: 1003);
        Save("01JD0001DDDD00000000000005", 4, RunResult.Failed, null, pid: null);
        Save("01JD0001EEEE00000000000006", 5, RunResult.Succeeded, null, pid: 2000);
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("failed")]
    [InlineData("FAILED")]
    [InlineData("-1")]
    public void Default_failed_and_minus_one_pick_the_most_recent_failed_job(string? selector)
    {
        SelectorResolution resolution = _resolver.Resolve(selector);
        resolution.Job!.Job.Id.ShouldBe("01JD0001DDDD00000000000005");
        resolution.IsFile.ShouldBeFalse();
    }

    [Fact]
    public void Minus_n_counts_back_through_failed_jobs_only()
    {
        _resolver.Resolve("-2").ShouldSatisfyAllConditions(
            r => r.Form.ShouldBe(SelectorForm.NthMostRecentFailed),
            r => r.Job!.Job.Id.ShouldBe("01JD0000BBBB00000000000003"));
        _resolver.Resolve("-3").Job!.Job.Id.ShouldBe("01JD0000AAAA00000000000001");
        var error = Should.Throw<BriocheJobException>(() => _resolver.Resolve("-4"));
        error.Code.ShouldBe(Catalog.Selectors.NotEnoughFailedJobs);
        error.Message.ShouldContain("4");
    }

    [Fact]
    public void Last_picks_the_most_recent_job_of_any_result()
    {
        SelectorResolution resolution = _resolver.Resolve("last");
        resolution.Form.ShouldBe(SelectorForm.MostRecent);
        resolution.Job!.Job.Id.ShouldBe("01JD0001EEEE00000000000006");
    }

    [Fact]
    public void Whole_ids_and_unique_prefixes_select_in_any_case()
    {
        _resolver.Resolve("01jd0000bbbb00000000000003").ShouldSatisfyAllConditions(
            r => r.Form.ShouldBe(SelectorForm.JobId),
            r => r.Job!.Job.Id.ShouldBe("01JD0000BBBB00000000000003"));
        _resolver.Resolve("01jd0000cc").ShouldSatisfyAllConditions(
            r => r.Form.ShouldBe(SelectorForm.JobIdPrefix),
            r => r.Job!.Job.Id.ShouldBe("01JD0000CCCC00000000000004"));
    }

    [Fact]
    public void An_ambiguous_id_prefix_lists_its_candidates_most_recent_first()
    {
        var error = Should.Throw<AmbiguousSelectorException>(() => _resolver.Resolve("01JD0000AAAA"));

        error.Code.ShouldBe(Catalog.Selectors.Ambiguous);
        error.Kind.ShouldBe(ErrorKind.Ambiguous);
        error.Message.ShouldNotContain("\n");
        error.Message.ShouldContain("01JD0000AAAA");
        error.Candidates.Select(c => c.Id).ShouldBe(["01JD0000AAAA00000000000002", "01JD0000AAAA00000000000001"]);
        error.Candidates[0].Description.ShouldContain("succeeded");
        error.MoreCandidates.ShouldBeFalse();
    }

    [Fact]
    public void Many_matches_are_capped_and_say_so()
    {
        for (int i = 0; i < 15; i++)
        {
            Save($"01JD0002FFFF{i:D14}", 10 + i, RunResult.Failed, null, pid: null);
        }

        var error = Should.Throw<AmbiguousSelectorException>(() => _resolver.Resolve("01JD0002"));
        error.Candidates.Count.ShouldBe(JobSelectorResolver.MaxCandidates);
        error.MoreCandidates.ShouldBeTrue();
        error.Message.ShouldContain("more than 10");
        error.Candidates[0].Id.ShouldBe("01JD0002FFFF00000000000014");
    }

    [Fact]
    public void A_recipe_hash_or_8_hex_prefix_picks_the_latest_job_of_that_recipe()
    {
        _resolver.Resolve(RecipeA).ShouldSatisfyAllConditions(
            r => r.Form.ShouldBe(SelectorForm.RecipeHash),
            r => r.Job!.Job.Id.ShouldBe("01JD0000AAAA00000000000002"));
        _resolver.Resolve("ABCDEF12").Job!.Job.Id.ShouldBe("01JD0000AAAA00000000000002");
        _resolver.Resolve("abcdef34").Job!.Job.Id.ShouldBe("01JD0000BBBB00000000000003");
    }

    [Fact]
    public void Seven_hex_characters_are_not_a_recipe_prefix()
    {
        var error = Should.Throw<BriocheJobException>(() => _resolver.Resolve("abcdef1"));
        error.Code.ShouldBe(Catalog.Selectors.NoMatch);
        error.Message.ShouldNotContain("recipe");
    }

    [Fact]
    public void A_recipe_prefix_shared_by_two_recipes_is_ambiguous()
    {
        string recipeD = "abcdef129" + new string('d', 55);
        Save("01JD0003GGGG00000000000008", 30, RunResult.Failed, recipeD, pid: null);

        var error = Should.Throw<AmbiguousSelectorException>(() => _resolver.Resolve("abcdef12"));
        error.Candidates.Select(c => c.Id).ShouldBe(["01JD0003GGGG00000000000008", "01JD0000AAAA00000000000002"]);
        error.Candidates.ShouldAllBe(c => c.Description.Contains("recipe abcdef12"));

        _resolver.Resolve("abcdef120").Job!.Job.RecipeHash.ShouldBe(RecipeA);
        _resolver.Resolve("abcdef129").Job!.Job.RecipeHash.ShouldBe(recipeD);
    }

    [Fact]
    public void Hex_that_is_both_an_id_prefix_and_a_recipe_prefix_of_different_jobs_is_ambiguous()
    {
        // RecipeC starts with 0123456789, which is also a prefix of this job id.
        Save("0123456789ZZ00000000000007", 20, RunResult.Failed, null, pid: null);

        var error = Should.Throw<AmbiguousSelectorException>(() => _resolver.Resolve("0123456789"));
        error.Candidates.Select(c => c.Id).ShouldBe(["0123456789ZZ00000000000007", "01JD0000CCCC00000000000004"]);
        error.Candidates[1].Description.ShouldContain("recipe");

        _resolver.Resolve("0123456789Z").Job!.Job.Id.ShouldBe("0123456789ZZ00000000000007");
    }

    [Fact]
    public void Digits_without_a_leading_zero_are_a_pid_picking_its_latest_job()
    {
        _resolver.Resolve("1001").ShouldSatisfyAllConditions(
            r => r.Form.ShouldBe(SelectorForm.Pid),
            r => r.Job!.Job.Id.ShouldBe("01JD0000BBBB00000000000003"));
        _resolver.Resolve("2000").Job!.Job.Id.ShouldBe("01JD0001EEEE00000000000006");
        Should.Throw<BriocheJobException>(() => _resolver.Resolve("4321")).Code.ShouldBe(Catalog.Selectors.NoMatch);
    }

    [Fact]
    public void Digits_with_a_leading_zero_are_an_id_prefix()
    {
        _resolver.Resolve("01JD0001E").Job!.Job.Id.ShouldBe("01JD0001EEEE00000000000006");
        Should.Throw<AmbiguousSelectorException>(() => _resolver.Resolve("01")).Candidates.Count.ShouldBe(6);
    }

    [Theory]
    [InlineData("./events.bin.zst")]
    [InlineData("/var/tmp/x/events.bin")]
    [InlineData("events.bin.zst")]
    [InlineData("logs/01JD0000AAAA00000000000001")]
    public void Paths_are_returned_as_files_without_a_lookup(string selector)
    {
        SelectorResolution resolution = _resolver.Resolve(selector);
        resolution.IsFile.ShouldBeTrue();
        resolution.FilePath.ShouldBe(selector);
        resolution.Job.ShouldBeNull();
    }

    [Fact]
    public void A_bare_existing_file_name_is_a_file_only_when_no_job_matches()
    {
        _existingFiles.Add("events");
        _existingFiles.Add("1001");

        _resolver.Resolve("events").IsFile.ShouldBeTrue();
        _resolver.Resolve("1001").Form.ShouldBe(SelectorForm.Pid);
    }

    [Fact]
    public void No_match_is_one_line_naming_the_selector()
    {
        var error = Should.Throw<BriocheJobException>(() => _resolver.Resolve("zzzz"));
        error.Code.ShouldBe(Catalog.Selectors.NoMatch);
        error.Kind.ShouldBe(ErrorKind.NotFound);
        error.Message.ShouldContain("'zzzz'");
        error.Message.ShouldNotContain("\n");
    }

    [Theory]
    [InlineData("-0")]
    [InlineData("-x")]
    [InlineData("a b")]
    [InlineData("job*")]
    public void Text_of_no_selector_form_is_a_usage_error(string selector)
    {
        var error = Should.Throw<BriocheJobException>(() => _resolver.Resolve(selector));
        error.Code.ShouldBe(Catalog.Selectors.Invalid);
        error.Kind.ShouldBe(ErrorKind.Usage);
    }

    [Fact]
    public void Without_failed_jobs_the_default_selector_says_so()
    {
        using var emptyHome = new TempHome();
        using SqliteJobStore empty = emptyHome.Open();
        var emptyResolver = new JobSelectorResolver(empty, _ => false);

        Should.Throw<BriocheJobException>(() => emptyResolver.Resolve(null)).Code.ShouldBe(Catalog.Selectors.NotEnoughFailedJobs);
        Should.Throw<BriocheJobException>(() => emptyResolver.Resolve("last")).Code.ShouldBe(Catalog.Selectors.NoMatch);
    }

    [Fact]
    public void Builds_resolve_by_recency_id_external_id_and_prefix()
    {
        BuildRecord older = _store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "pipeline-9", StartedAt: T0));
        BuildRecord newer = _store.BeginBuild(new BuildRequest(BuildOrigin.Cli, StartedAt: T0.AddSeconds(1)));

        _resolver.ResolveBuild(null).Build.Id.ShouldBe(newer.Id);
        _resolver.ResolveBuild("-2").Build.Id.ShouldBe(older.Id);
        _resolver.ResolveBuild("pipeline-9").Build.Id.ShouldBe(older.Id);
        _resolver.ResolveBuild(newer.Id.ToLowerInvariant()).Build.Id.ShouldBe(newer.Id);
        Should.Throw<AmbiguousSelectorException>(() => _resolver.ResolveBuild(older.Id[..2]))
            .Candidates.Select(c => c.Id).ShouldBe([newer.Id, older.Id]);
        Should.Throw<BriocheJobException>(() => _resolver.ResolveBuild("nope")).Code.ShouldBe(Catalog.Selectors.NoMatch);
    }

    private void Save(string id, int secondsAfterT0, RunResult result, string? recipe, int? pid) =>
        _store.SaveJob(new JobRecord(id, null, JobKind.Brioche, $"job {id[^1]}", T0.AddSeconds(secondsAfterT0),
            StoppedAt: T0.AddSeconds(secondsAfterT0 + 1), State: RunState.Finished, Result: result, RecipeHash: recipe, Pid: pid));
}
