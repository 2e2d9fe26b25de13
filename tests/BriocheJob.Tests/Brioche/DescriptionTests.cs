using System.Text;
using System.Text.Json;
using BriocheJob.Brioche;

namespace BriocheJob.Tests.Brioche;

public sealed class DescriptionTests
{
    [Theory]
    [InlineData(new byte[] { (byte)'a', (byte)'`', (byte)'b' }, "a``b")]
    [InlineData(new byte[] { 0x09, 0x0A, 0x0D, 0x20, 0x7E }, "\t\n\r ~")]
    [InlineData(new byte[] { 0x00, 0x7F, 0xC3, 0xA9 }, "`00`7F`C3`A9")]
    public void Tick_encoding_matches_the_spec_both_ways(byte[] bytes, string encoded)
    {
        TickEncoding.Encode(bytes).ShouldBe(encoded);
        TickEncoding.Decode(encoded).ShouldBe(bytes);
    }

    [Fact]
    public void Tick_decoding_for_display_yields_utf8_text_and_rejects_bad_escapes()
    {
        TickEncoding.DecodeToDisplayString("caf`C3`A9 ``x``").ShouldBe("café `x`");
        Should.Throw<FormatException>(() => TickEncoding.Decode("bad `G1"));
        TickEncoding.DecodeToDisplayString("bad `").ShouldBe("bad `");
    }

    [Fact]
    public void Templates_render_literals_and_paths()
    {
        var template = JsonSerializer.Deserialize<ProcessTemplate>(
            """{"components":[{"type":"literal","value":"PATH=`C3`A9:"},{"type":"path","hostPath":"/host/bin","guestPathHint":"/opt/bin"}]}""",
            ProcessDescription.JsonOptions)!;
        template.ToDisplayString().ShouldBe("PATH=é:/opt/bin");

        var recipeTemplate = JsonDocument.Parse(
            """{"components":[{"type":"literal","value":"--prefix="},{"type":"output_path"}]}""").RootElement;
        TemplateText.ToDisplayString(recipeTemplate).ShouldBe("--prefix=<output_path>");
    }

    [Theory]
    [InlineData("2026-03-23T10:00:00.123-07:00[America/Los_Angeles]", "2026-03-23T17:00:00.1230000+00:00", "America/Los_Angeles")]
    [InlineData("2026-11-20T09:15:01.5+00:00[UTC]", "2026-11-20T09:15:01.5000000+00:00", "UTC")]
    [InlineData("2026-01-01T00:00:00Z[u-ca=iso8601]", "2026-01-01T00:00:00.0000000+00:00", null)]
    public void Created_at_parses_rfc9557(string text, string utc, string? zone)
    {
        ZonedTime.TryParse(text, out var instant, out var parsedZone).ShouldBeTrue();
        instant.ToUniversalTime().ToString("o").ShouldBe(utc);
        parsedZone.ShouldBe(zone);
    }

    [Fact]
    public void Created_at_formats_with_the_zone_and_round_trips()
    {
        var instant = new DateTimeOffset(2026, 3, 23, 10, 0, 0, 123, TimeSpan.FromHours(-7));
        ZonedTime.Format(instant, "America/Los_Angeles").ShouldBe("2026-03-23T10:00:00.123-07:00[America/Los_Angeles]");
        ZonedTime.Format(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), null).ShouldBe("2026-01-01T00:00:00+00:00[UTC]");
        ZonedTime.TryParse("not a time", out _, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("/d/process-temp/X/outputs/output-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("/d/outputs/output-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", null)]
    [InlineData("/d/outputs/output-abc", null)]
    [InlineData("", null)]
    public void Recipe_hash_comes_from_the_output_dir(string outputDir, string? hash)
        => ProcessDescription.RecipeHashFromOutputDir(outputDir).ShouldBe(hash);

    [Fact]
    public void A_description_built_from_scratch_keeps_arbitrary_recipe_and_meta()
    {
        var description = new ProcessDescription
        {
            Recipe = JsonSerializer.SerializeToElement(new { type = "docker_step", dockerfile = "Dockerfile", line = 12 }),
            Meta = new ProcessMeta
            {
                AdditionalProperties = new() { ["docker"] = JsonSerializer.SerializeToElement(new { vertex = "sha256:abc" }) },
            },
            RootDir = "/",
            OutputDir = "/out",
        };
        description.SetCreatedAt(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));

        var json = Encoding.UTF8.GetString(description.ToJsonBytes());
        json.ShouldStartWith("""{"recipe":{"type":"docker_step","dockerfile":"Dockerfile","line":12},"meta":{"source":null,"docker":{"vertex":"sha256:abc"}},"sandboxConfig":{""");
        json.ShouldEndWith(""","rootDir":"/","outputDir":"/out","createdAt":"2026-05-01T12:00:00+00:00[UTC]"}""");

        var back = ProcessDescription.Parse(Encoding.UTF8.GetBytes(json));
        back.Recipe.GetProperty("line").GetInt32().ShouldBe(12);
        back.Meta.AdditionalProperties!["docker"].GetProperty("vertex").GetString().ShouldBe("sha256:abc");
        back.Meta.Source.ShouldBeNull();
        back.RecipeHash.ShouldBeNull();
        Encoding.UTF8.GetString(back.ToJsonBytes()).ShouldBe(json);
    }

    [Theory]
    [InlineData(0, "0.00s")]
    [InlineData(12_345, "12.34s")]
    [InlineData(59_999, "59.99s")]
    [InlineData(60_000, "1m 0s")]
    [InlineData(3_599_000, "59m 59s")]
    [InlineData(3_600_000, "1h 0m 0s")]
    [InlineData(3_723_000, "1h 2m 3s")]
    public void Elapsed_is_formatted_like_brioche(long milliseconds, string text)
        => ElapsedFormat.Format(TimeSpan.FromMilliseconds(milliseconds)).ShouldBe(text);

    [Fact]
    public void Line_model_serializes_for_json_output()
    {
        var line = new LogLine(LogLineKind.Output, "hi", OutputStream.Stderr, TimeSpan.FromMilliseconds(1500));
        line.Render().ShouldBe("[1.50s] hi");
        line.StreamName.ShouldBe("stderr");
        line.ElapsedMilliseconds.ShouldBe(1500);
        new LogLine(LogLineKind.Exit, "process exited with signal 9", Elapsed: TimeSpan.FromSeconds(61)).Render()
            .ShouldBe("[1m 1s] [process exited with signal 9]");
    }
}
