using System.Text;
using System.Text.Json;
using BriocheJob.Brioche;
using BriocheJob.Diagnostics;

namespace BriocheJob.Tests.Brioche;

/// <summary>
/// <see cref="ProcessDescriptionReader"/> (the serializer-free read of a Description) against the serializer it stands
/// in for: the same object for plain input, and no answer at all (so the serializer decides) for anything else.
/// </summary>
public sealed class DescriptionReaderTests
{
    private const string Plain = """
        {"recipe":{"type":"process","command":{"components":[{"type":"literal","value":"/bin/sh"}]},"cached":false},
         "meta":{"source":[{"fileName":"file:///p/project.bri","lineNumber":12,"columnNumber":5,"projectName":"hello","modulePath":"./project.bri"},
                           {"fileName":null,"lineNumber":null,"columnNumber":7,"extra":[1,2]},null],"docker":{"vertex":"sha256:abc"}},
         "sandboxConfig":{"sandboxRoot":"/root","includeHostPaths":{"/nix":{"mode":"read","guestPathHint":"/g","x":1},"/none":null},
                          "command":{"components":[{"type":"literal","value":"/bin/`C3`A9"},{"type":"path","hostPath":"/h","guestPathHint":"/opt"}]},
                          "args":[{"components":[{"type":"literal","value":"-c"}]},null,{"components":[],"more":"kept"}],
                          "env":{"PATH":{"components":[{"type":"literal","value":"/bin"}]},"EMPTY":null},
                          "currentDir":null,"networking":true,"uidHint":1000,"gidHint":null,"unknownSandbox":{"a":"b"}},
         "rootDir":"/d/process-temp/01JD0000000000000000000004","outputDir":"/d/outputs/output-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "createdAt":"2026-11-20T09:15:04.5+00:00[UTC]","\u0074opLevel":"escaped name","z":null}
        """;

    public static TheoryData<string> PlainDescriptions() => new()
    {
        Plain,
        """{"recipe":{}}""",
        """{"recipe":{"type":"docker_step"},"meta":null,"sandboxConfig":null,"rootDir":null}""",
        """{"recipe":{},"meta":{"source":null},"sandboxConfig":{"args":null,"env":null,"includeHostPaths":null,"command":null,"networking":false}}""",
        """  {"recipe":{"x":"\u00e9\ud83d\ude00"},"createdAt":"2026-01-01T00:00:00Z"}  """,
    };

    [Theory]
    [MemberData(nameof(PlainDescriptions))]
    public void A_plain_description_reads_as_the_serializer_reads_it(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        ProcessDescription fast = ProcessDescriptionReader.TryRead(bytes).ShouldNotBeNull();
        ProcessDescription serializer = ProcessDescription.Deserialize(bytes).ShouldNotBeNull();

        // Written back, every property and every unknown one comes out the same, in the same order.
        Encoding.UTF8.GetString(fast.ToJsonBytes()).ShouldBe(Encoding.UTF8.GetString(serializer.ToJsonBytes()));
        Shape(fast).ShouldBe(Shape(serializer));
    }

    [Fact]
    public void The_fixtures_descriptions_read_as_the_serializer_reads_them()
    {
        using var temp = new TempDir();
        string fixtures = Fixtures.CopyBriocheFixtures(temp);
        string[] files = Directory.GetFiles(fixtures, "events.bin.zst", SearchOption.AllDirectories);
        files.Length.ShouldBeGreaterThan(1);
        foreach (string file in files)
        {
            using var reader = ProcessEventsReader.Open(file);
            var description = reader.ReadNext().ShouldBeOfType<DescriptionEvent>();
            byte[] raw = description.RawJson.ToArray();
            ProcessDescription fast = ProcessDescriptionReader.TryRead(raw).ShouldNotBeNull();
            ProcessDescription serializer = ProcessDescription.Deserialize(raw).ShouldNotBeNull();
            fast.ToJsonBytes().ShouldBe(serializer.ToJsonBytes());
            Shape(fast).ShouldBe(Shape(serializer));
            fast.Meta.Source.ShouldNotBeNull().Count.ShouldBeGreaterThan(0);
            fast.CommandDisplay.ShouldNotBeEmpty();
        }
    }

    public static TheoryData<string> OddDescriptions() => new()
    {
        """{"recipe":{},"rootDir":1}""",
        """{"recipe":{},"meta":[]}""",
        """{"recipe":{},"meta":{"source":[{"lineNumber":1.5}]}}""",
        """{"recipe":{},"meta":{"source":[{"lineNumber":"12"}]}}""",
        """{"recipe":{},"meta":{"source":[{"columnNumber":99999999999999999999}]}}""",
        """{"recipe":{},"sandboxConfig":{"uidHint":-1}}""",
        """{"recipe":{},"sandboxConfig":{"networking":null}}""",
        """{"recipe":{},"sandboxConfig":{"networking":"yes"}}""",
        """{"recipe":{},"sandboxConfig":{"env":{"A":null,"A":{"components":[]}}}}""",
        """{"recipe":{},"sandboxConfig":{"args":{}}}""",
        """{"recipe":{},"rootDir":"/a","rootDir":"/b"}""",
        """{"recipe":{},"x":1,"x":2}""",
        """{"recipe":{}} {"recipe":{}}""",
        """{"recipe":{},}""",
        """[{"recipe":{}}]""",
        """null""",
        """{"recipe":""",
    };

    [Theory]
    [MemberData(nameof(OddDescriptions))]
    public void Anything_else_is_left_to_the_serializer_whose_result_or_error_stands(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        ProcessDescriptionReader.TryRead(bytes).ShouldBeNull();

        // Parse answers exactly as the serializer did before the reader existed.
        string? expected;
        try
        {
            ProcessDescription? serializer = ProcessDescription.Deserialize(bytes);
            expected = serializer is null ? "null" : Encoding.UTF8.GetString(serializer.ToJsonBytes());
        }
        catch (BriocheJobException e)
        {
            expected = $"{e.Code}: {e.Message}";
        }

        string actual;
        try
        {
            actual = Encoding.UTF8.GetString(ProcessDescription.Parse(bytes).ToJsonBytes());
        }
        catch (BriocheJobException e)
        {
            actual = $"{e.Code}: {e.Message}";
        }

        if (expected == "null")
        {
            actual.ShouldStartWith(Catalog.Events.NoRecipe.Code);
        }
        else
        {
            actual.ShouldBe(expected);
        }
    }

    [Fact]
    public void A_string_that_is_not_utf8_is_left_to_the_serializer()
    {
        byte[] bytes = [.. """{"recipe":{},"rootDir":"a"""u8, 0xFF, .. "\"}"u8];
        ProcessDescriptionReader.TryRead(bytes).ShouldBeNull();
    }

    /// <summary>What the writer cannot show: which values are null, empty or absent, and the unknown bags' types.</summary>
    private static string Shape(ProcessDescription d) => string.Join("|",
        d.Recipe.ValueKind, d.Meta is null, d.Meta?.Source?.Count, d.Meta?.AdditionalProperties?.Count,
        d.SandboxConfig is null, d.SandboxConfig?.Command is null, d.SandboxConfig?.Args?.Count, d.SandboxConfig?.Env?.Count,
        d.SandboxConfig?.IncludeHostPaths?.Count, d.SandboxConfig?.CurrentDir is null, d.SandboxConfig?.UidHint, d.SandboxConfig?.GidHint,
        d.RootDir is null, d.OutputDir is null, d.CreatedAtText is null, d.AdditionalProperties?.Count,
        string.Join(",", d.AdditionalProperties?.Select(p => $"{p.Key}={p.Value.ValueKind}") ?? []));
}
