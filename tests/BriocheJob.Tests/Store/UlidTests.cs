using BriocheJob.Store;

namespace BriocheJob.Tests.Store;

public sealed class UlidTests
{
    [Fact]
    public void Ulids_are_26_crockford_characters_carrying_the_time()
    {
        var time = new DateTimeOffset(2024, 11, 20, 8, 30, 0, 456, TimeSpan.Zero);
        string id = Ulid.NewUlid(time);

        id.Length.ShouldBe(26);
        id.ShouldAllBe(c => "0123456789ABCDEFGHJKMNPQRSTVWXYZ".Contains(c));
        Ulid.IsValid(id).ShouldBeTrue();
        Ulid.IsValid(id.ToLowerInvariant()).ShouldBeTrue();
        Ulid.GetTimestamp(id).ShouldBeGreaterThanOrEqualTo(time);
    }

    [Fact]
    public void Known_values_encode_as_the_ulid_spec_says()
    {
        // 1469918176385 ms is the example time of the ULID spec, whose encoding starts 01ARYZ6S41.
        Ulid.Format(1469918176385, 0, 0).ShouldBe("01ARYZ6S410000000000000000");
        Ulid.Format(0, 0xFFFF, ulong.MaxValue).ShouldBe("0000000000ZZZZZZZZZZZZZZZZ");
        Ulid.Format(0, 0, 1).ShouldBe("00000000000000000000000001");
        Ulid.Format(0, 1, 0).ShouldBe("0000000000000" + "G" + "000000000000"); // bit 64 is bit 4 of char 13
        Ulid.GetTimestamp("01ARYZ6S410000000000000000").ToUnixTimeMilliseconds().ShouldBe(1469918176385);
    }

    [Fact]
    public void Ids_made_in_one_process_strictly_increase_even_within_a_millisecond()
    {
        var fixedTime = DateTimeOffset.UtcNow;
        string[] ids = Enumerable.Range(0, 10_000).Select(_ => Ulid.NewUlid(fixedTime)).ToArray();

        for (int i = 1; i < ids.Length; i++)
        {
            string.CompareOrdinal(ids[i - 1], ids[i]).ShouldBeLessThan(0);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("01ARYZ6S41TSV4RRFFQ69G5FA")] // 25 characters
    [InlineData("01ARYZ6S41TSV4RRFFQ69G5FAU")] // U is not Crockford
    [InlineData("81ARYZ6S41TSV4RRFFQ69G5FAV")] // time overflows 48 bits
    public void Invalid_ulids_are_rejected(string text) => Ulid.IsValid(text).ShouldBeFalse();
}
