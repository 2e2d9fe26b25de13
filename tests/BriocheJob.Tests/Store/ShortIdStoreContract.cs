using BriocheJob.Jobs;
using BriocheJob.Store;
using BriocheJob.TestSupport;

namespace BriocheJob.Tests.Store;

/// <summary>
/// Short ids are worked out against every id in the store, not only those shown together, so each one a command
/// prints selects that one job (or build). Runs on the embedded SQLite store and on the PostgreSQL test cluster.
/// </summary>
public abstract class ShortIdStoreContract : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    // Two jobs sharing a 13-character prefix, one recorded long before the other; fillers around them in id order.
    private const string Shown = "01M8SJ086XJQAAAAAAAAAAAAA1";
    private const string Hidden = "01M8SJ086XJQABBBBBBBBBBBB2";

    protected abstract IJobStore OpenStore();

    public abstract void Dispose();

    [Fact]
    public void A_short_id_is_unique_in_the_whole_store_even_when_a_job_sharing_a_long_prefix_is_not_shown()
    {
        using IJobStore store = OpenStore();
        store.SaveJobs([
            new JobRecord(Hidden, null, JobKind.Brioche, "old", T0),
            new JobRecord("01M8SJ086XJP0000000000000A", null, JobKind.Brioche, "before", T0.AddMinutes(1)),
            new JobRecord(Shown, null, JobKind.Brioche, "new", T0.AddMinutes(2)),
            new JobRecord("01M8SJ086XJR0000000000000B", null, JobKind.Brioche, "after", T0.AddMinutes(3)),
        ]);

        // What the old listing-only rule printed: unique among the rows shown, two jobs in the store.
        ShortIds.Compute([Shown])[Shown].ShouldBe("01M8SJ08");
        store.FindJobsByIdPrefix("01M8SJ08", 5).Count.ShouldBe(4);

        string shortId = ShortIds.ForJobs(store, [Shown])[Shown];
        shortId.ShouldBe("01M8SJ086XJQAA");
        var resolver = new JobSelectorResolver(store, _ => false);
        resolver.Resolve(shortId).Job!.Job.Id.ShouldBe(Shown);
        resolver.Resolve(shortId.ToLowerInvariant()).Job!.Job.Id.ShouldBe(Shown);
        string hiddenShort = ShortIds.ForJobs(store, [Hidden.ToLowerInvariant()])[Hidden];
        hiddenShort.ShouldBe("01m8sj086xjqab");
        resolver.Resolve(hiddenShort).Job!.Job.Id.ShouldBe(Hidden);
        Should.Throw<AmbiguousSelectorException>(() => resolver.Resolve(shortId[..^1]));
    }

    [Fact]
    public void Id_neighbours_are_the_nearest_ids_either_side_in_any_case_and_one_batch_answers_them_all()
    {
        using IJobStore store = OpenStore();
        store.SaveJobs([
            new JobRecord("01AAAA0000000000000000000A", null, JobKind.Docker, null, T0),
            new JobRecord("01AAAA0000000000000000000B", null, JobKind.Docker, null, T0),
            new JobRecord("01AAAB0000000000000000000C", null, JobKind.Docker, null, T0),
        ]);

        IReadOnlyList<IdNeighbours> near = store.FindIdNeighbours(
            ["01aaaa0000000000000000000b", "01AAAA0000000000000000000A", "01AAAB0000000000000000000C", "01ZZZZ"], IdTable.Jobs);

        near.OrderBy(n => n.Id, StringComparer.OrdinalIgnoreCase).Select(n => (n.Id.ToUpperInvariant(), n.Before, n.After)).ShouldBe([
            ("01AAAA0000000000000000000A", null, "01AAAA0000000000000000000B"),
            ("01AAAA0000000000000000000B", "01AAAA0000000000000000000A", "01AAAB0000000000000000000C"),
            ("01AAAB0000000000000000000C", "01AAAA0000000000000000000B", null),
            ("01ZZZZ", "01AAAB0000000000000000000C", null),
        ]);
        store.FindIdNeighbours([], IdTable.Jobs).ShouldBeEmpty();
        ShortIds.ForJobs(store, ["01AAAB0000000000000000000C"])["01AAAB0000000000000000000C"].ShouldBe("01AAAB00");
        ShortIds.ForJobs(store, ["01AAAA0000000000000000000B"])["01AAAA0000000000000000000B"].ShouldBe("01AAAA0000000000000000000B");
    }

    [Fact]
    public void A_short_build_id_is_unique_among_all_builds()
    {
        using IJobStore store = OpenStore();
        foreach (string id in (string[])["01M8SJ0800000000000000000A", "01M8SJ0800000000000000000B", "01M8SJ0900000000000000000C"])
        {
            store.ImportBuild(new BuildRecord(id, null, BuildOrigin.Import, null, null, T0, T0, RunState.Finished, RunResult.Succeeded));
        }

        IReadOnlyDictionary<string, string> shown = ShortIds.ForBuilds(store, ["01M8SJ0800000000000000000A", "01M8SJ0900000000000000000C"]);

        shown["01M8SJ0800000000000000000A"].ShouldBe("01M8SJ0800000000000000000A");
        shown["01M8SJ0900000000000000000C"].ShouldBe("01M8SJ09");
        var resolver = new JobSelectorResolver(store, _ => false);
        resolver.ResolveBuild(shown["01M8SJ0900000000000000000C"]).Build.Id.ShouldBe("01M8SJ0900000000000000000C");
    }

    [Fact]
    public void A_short_id_that_would_also_read_as_another_jobs_recipe_hash_grows_until_it_does_not()
    {
        using IJobStore store = OpenStore();
        // All hex to its tenth character, and another job's recipe hash starts with those ten.
        const string Id = "01ABCDEF12Z000000000000001";
        store.SaveJobs([
            new JobRecord(Id, null, JobKind.Docker, null, T0),
            new JobRecord("01M0000000000000000000000X", null, JobKind.Docker, null, T0, RecipeHash: "01abcdef12" + new string('0', 54)),
        ]);

        string shortId = ShortIds.ForJobs(store, [Id])[Id];

        shortId.ShouldBe("01ABCDEF12Z");
        new JobSelectorResolver(store, _ => false).Resolve(shortId).Job!.Job.Id.ShouldBe(Id);
        Should.Throw<AmbiguousSelectorException>(() => new JobSelectorResolver(store, _ => false).Resolve(Id[..9]));
    }
}

public sealed class SqliteShortIdStoreTests : ShortIdStoreContract
{
    private readonly TempHome _temp = new();

    protected override IJobStore OpenStore() => _temp.Open();

    public override void Dispose() => _temp.Dispose();
}

public sealed class PostgresShortIdStoreTests : ShortIdStoreContract
{
    private readonly TestSchema _schema = new();

    protected override IJobStore OpenStore() => _schema.Open();

    public override void Dispose() => _schema.Dispose();
}
