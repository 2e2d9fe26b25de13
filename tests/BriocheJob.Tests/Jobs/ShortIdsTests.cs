using BriocheJob.Jobs;

namespace BriocheJob.Tests.Jobs;

public sealed class ShortIdsTests
{
    [Fact]
    public void Each_id_gets_its_shortest_unique_prefix_but_at_least_eight_characters()
    {
        IReadOnlyDictionary<string, string> shortIds = ShortIds.Compute(
        [
            "01JD0000AAAA00000000000001",
            "01JD0000AAAB00000000000002",
            "01JD1111000000000000000003",
            "01JD0000AAAA00000000000009",
        ]);

        shortIds["01JD0000AAAA00000000000001"].ShouldBe("01JD0000AAAA00000000000001");
        shortIds["01JD0000AAAA00000000000009"].ShouldBe("01JD0000AAAA00000000000009");
        shortIds["01JD0000AAAB00000000000002"].ShouldBe("01JD0000AAAB");
        shortIds["01JD1111000000000000000003"].ShouldBe("01JD1111");
    }

    [Fact]
    public void Short_ids_stay_unique_case_insensitively_and_never_exceed_the_id()
    {
        IReadOnlyDictionary<string, string> shortIds = ShortIds.Compute(["abc", "01jd0000x", "01JD0000Y"]);

        shortIds["abc"].ShouldBe("abc");
        shortIds["01jd0000x"].ShouldBe("01jd0000x");
        shortIds["01JD0000Y"].ShouldBe("01JD0000Y");
        shortIds.Values.Select(v => v.ToUpperInvariant()).Distinct().Count().ShouldBe(3);
    }
}
