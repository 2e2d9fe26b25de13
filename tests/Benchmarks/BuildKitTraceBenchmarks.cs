using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BriocheJob.BuildKit;
using Google.Protobuf;

namespace Benchmarks;

/// <summary>
/// Decoder throughput on a ~64 MB BuildKit progress stream: the records of a real engine capture, repeated,
/// interleaved with synthetic multi-line log chunks for 50 vertices. MB/s = InputBytes / Mean (printed at setup).
/// </summary>
[MemoryDiagnoser]
public class BuildKitTraceBenchmarks
{
    private const int TargetBytes = 64 * 1024 * 1024;
    private byte[] _input = [];

    public enum Format { EngineJson, HistoryBlob }

    [Params(Format.EngineJson, Format.HistoryBlob)]
    public Format InputFormat { get; set; }

    public long InputBytes => _input.Length;

    [GlobalSetup]
    public void Setup()
    {
        var realRecords = ReadCapturedRecords("success.jsonl");
        var records = new List<byte[]>();
        long size = 0;
        for (int round = 0; size < TargetBytes * 3L / 4; round++)
        {
            foreach (var record in realRecords)
            {
                records.Add(record);
                size += record.Length;
            }
            for (int chunk = 0; chunk < 8; chunk++)
            {
                var log = SyntheticLogChunk($"sha256:{(round * 8 + chunk) % 50:x64}", round, chunk);
                records.Add(log);
                size += log.Length;
            }
        }

        var output = new MemoryStream();
        var prefix = new byte[4];
        foreach (var record in records)
        {
            if (InputFormat == Format.EngineJson)
            {
                output.Write(BuildKitRecords.EngineJsonLine(record));
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)record.Length);
                output.Write(prefix);
                output.Write(record);
            }
        }
        _input = output.ToArray();
        Console.WriteLine($"// BuildKit benchmark input ({InputFormat}): {_input.Length} bytes, {records.Count} records");
    }

    /// <summary>
    /// The decoder as recording runs it (<c>DockerTraceRecorder.FeedProgressAsync</c>: <see cref="BuildKitTrace.FeedAsync"/>
    /// with <see cref="TraceLogRetention.Tail"/>, a callback after every record), its output consumed by a sink that
    /// counts every byte and newline of every chunk.
    /// </summary>
    [Benchmark]
    public long Decode()
    {
        var sink = new CountingSink();
        var decoder = new BuildKitTraceDecoder(sink, TraceLogRetention.Tail);
        BuildKitTrace.FeedAsync(new MemoryStream(_input, writable: false), decoder, TraceEncoding.Auto, default,
            sink.AfterRecord).GetAwaiter().GetResult();
        var trace = decoder.Finish();
        if (trace.Malformed.Total != 0 || sink.Bytes == 0)
        {
            throw new InvalidOperationException(trace.Malformed.ToString());
        }

        return trace.DecodedRecords + sink.Bytes + sink.Newlines + sink.Records;
    }

    private sealed class CountingSink : IBuildTraceObserver
    {
        public long Bytes;
        public long Newlines;
        public long Records;

        public void AfterRecord() => Records++;

        void IBuildTraceObserver.OnLogChunk(TraceVertex vertex, int stream, DateTimeOffset? timestamp, ReadOnlySpan<byte> data)
        {
            Bytes += data.Length;
            Newlines += System.MemoryExtensions.Count(data, (byte)'\n');
        }
    }

    /// <summary>
    /// The floor of the decoder's work on the same stream: for engine JSON lines, parsing every line with
    /// <see cref="Utf8JsonReader"/> and base64-decoding each <c>aux</c> into one reused buffer; for a history blob,
    /// walking the length prefixes and copying each record out. The decoder's target is half this throughput.
    /// </summary>
    [Benchmark]
    public long Floor()
    {
        var decoded = new byte[1024 * 1024];
        long records = 0;
        ReadOnlySpan<byte> input = _input;
        if (InputFormat == Format.HistoryBlob)
        {
            while (input.Length >= 4)
            {
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(input);
                input[4..(4 + length)].CopyTo(decoded);
                input = input[(4 + length)..];
                records++;
            }
            return records;
        }
        while (!input.IsEmpty)
        {
            var newline = input.IndexOf((byte)'\n');
            var line = newline < 0 ? input : input[..newline];
            input = newline < 0 ? [] : input[(newline + 1)..];
            var reader = new Utf8JsonReader(line);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("aux"u8) && reader.Read())
                {
                    if (System.Buffers.Text.Base64.DecodeFromUtf8(reader.ValueSpan, decoded, out _, out _) != System.Buffers.OperationStatus.Done)
                    {
                        throw new InvalidOperationException("bad base64");
                    }

                    records++;
                }
            }
        }
        return records;
    }

    private static List<byte[]> ReadCapturedRecords(string fileName, [CallerFilePath] string thisFile = "")
    {
        string path = Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "BriocheJob.Tests", "BuildKit", "data", fileName);
        var records = new List<byte[]>();
        foreach (string line in File.ReadLines(path))
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.TryGetProperty("id", out var id) && id.GetString() == "moby.buildkit.trace")
            {
                records.Add(document.RootElement.GetProperty("aux").GetBytesFromBase64());
            }
        }
        return records;
    }

    // A StatusResponse with one VertexLog: ~2 KB of compiler-like lines that do not end on a line boundary.
    private static byte[] SyntheticLogChunk(string digest, int round, int chunk)
    {
        var text = new StringBuilder();
        for (int i = 0; text.Length < 2000; i++)
        {
            text.Append($"[{round}:{chunk}:{i}] compiling src/module_{i % 97}.c -O2 -Wall -Werror ✓\n");
        }

        text.Append("partial line without end ");

        return BuildKitRecords.LogRecord(digest, BuildKitRecords.Timestamp(1_700_000_000 + round, chunk * 1000),
            1 + chunk % 2, Encoding.UTF8.GetBytes(text.ToString()));
    }
}
