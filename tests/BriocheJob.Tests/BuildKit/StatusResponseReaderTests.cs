using BriocheJob.BuildKit;
using static BriocheJob.Tests.BuildKit.TraceTestData;

namespace BriocheJob.Tests.BuildKit;

/// <summary>
/// The one StatusResponse reader: engine stream auxes are decoded back to back into one buffer and read by one
/// CodedInputStream, and each must read, or fail, exactly as it does read alone.
/// </summary>
public sealed class StatusResponseReaderTests
{
    [Fact]
    public void Records_read_back_to_back_by_one_stream_read_and_fail_as_each_read_alone()
    {
        var payloads = new[] { "success.jsonl", "failure.jsonl", "cached.jsonl" }.SelectMany(TraceAuxPayloads).ToList();
        var random = new Random(20261202);
        var inputs = new List<byte[]> { Array.Empty<byte>() };
        for (int round = 0; round < 40; round++)
        {
            foreach (var payload in payloads)
            {
                inputs.Add(payload);
                inputs.Add(Mutate(payload, random));
            }
        }

        var shared = new StatusResponseReader.InPlaceStream();
        var record = new StatusResponseReader.InPlaceRecord();
        int failed = 0, failedThenRead = 0;
        bool lastFailed = false;
        foreach (var input in inputs)
        {
            string alone = Outcome(() => StatusResponseReader.Parse(input, 0, input.Length));
            string together = Outcome(() =>
            {
                input.CopyTo(shared.Reserve(input.Length));
                shared.Parse(input.Length, record);
                return record.ToStatus(shared.Buffer);
            });

            together.ShouldBe(alone);
            bool thisFailed = alone.StartsWith("threw", StringComparison.Ordinal);
            failed += thisFailed ? 1 : 0;
            failedThenRead += lastFailed && !thisFailed ? 1 : 0;
            lastFailed = thisFailed;
        }

        // The mutations broke records, and good records were read right after broken ones.
        failed.ShouldBeGreaterThan(200);
        failedThenRead.ShouldBeGreaterThan(200);
    }

    [Fact]
    public void Parse_returns_every_field_the_in_place_reader_locates()
    {
        var status = new BuildKitStatus();
        var vertex = new BuildKitVertex
        {
            Digest = "sha256:v",
            Name = "[2/2] RUN make",
            Cached = true,
            Error = "exit code: 2",
            Started = DateTimeOffset.UnixEpoch.AddTicks(17_000_000_001_234_567),
            Completed = DateTimeOffset.UnixEpoch.AddSeconds(1_700_000_009),
            ProgressGroup = new BuildKitProgressGroup("pg", "target", true),
        };
        vertex.Inputs.Add("sha256:a");
        vertex.Inputs.Add("sha256:b");
        status.Vertexes.Add(vertex);
        status.Statuses.Add(new BuildKitVertexStatus
        {
            Id = "layer",
            Vertex = "sha256:v",
            Name = "pulling",
            Current = 5,
            Total = 9,
            Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(3),
            Started = DateTimeOffset.UnixEpoch.AddSeconds(1),
            Completed = DateTimeOffset.UnixEpoch.AddSeconds(4),
        });
        status.Logs.Add(new BuildKitVertexLog { Vertex = "sha256:v", Stream = 2, Data = "oops\n"u8.ToArray(), Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(2) });
        var warning = new BuildKitVertexWarning { Vertex = "sha256:v", Level = 1, Short = "lint", Url = "https://example.invalid/rule", SourceFile = "Dockerfile", StartLine = 3, EndLine = 4 };
        warning.Details.Add("detail");
        status.Warnings.Add(warning);

        var parsed = StatusResponseReader.Parse(EncodeStatusResponse(status));

        RawJsonLine(parsed).ShouldBe(RawJsonLine(status));
        parsed.Vertexes.Single().Inputs.ShouldBe(["sha256:a", "sha256:b"]);
        parsed.Logs.Single().Data.ShouldBe("oops\n"u8.ToArray());
        (parsed.Statuses.Single().Current, parsed.Statuses.Single().Total).ShouldBe((5L, 9L));
    }

    private static string Outcome(Func<BuildKitStatus> read)
    {
        try
        {
            return "read " + RawJsonLine(read());
        }
        catch (Exception ex)
        {
            return $"threw {ex.GetType().Name}: {ex.Message}";
        }
    }

    private static byte[] Mutate(byte[] payload, Random random)
    {
        if (payload.Length == 0)
        {
            return [(byte)random.Next(256)];
        }

        var bytes = payload.ToList();
        switch (random.Next(5))
        {
            case 0:
                int cut = random.Next(bytes.Count);
                bytes.RemoveRange(cut, bytes.Count - cut);
                break;
            case 1: bytes[random.Next(bytes.Count)] ^= (byte)(1 << random.Next(8)); break;
            case 2: bytes[random.Next(bytes.Count)] = random.Next(2) == 0 ? (byte)0xFF : (byte)0x80; break;
            case 3: bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(256)); break;
            default: bytes.RemoveRange(random.Next(bytes.Count), 1); break;
        }

        return [.. bytes];
    }
}
