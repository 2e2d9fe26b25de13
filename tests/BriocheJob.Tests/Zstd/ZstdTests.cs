using System.Diagnostics;
using BriocheJob.Brioche;
using BriocheJob.Tests.Brioche;
using BriocheJob.Zstd;

namespace BriocheJob.Tests.Zstd;

public sealed class ZstdTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static byte[] Sample(int length, int seed)
    {
        var bytes = new byte[length];
        var random = new Random(seed);
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)('a' + random.Next(4));
        }
        return bytes;
    }

    private static byte[] Skippable(byte[] payload)
    {
        var frame = new byte[8 + payload.Length];
        BitConverter.GetBytes(0x184D2A53u).CopyTo(frame, 0);
        BitConverter.GetBytes((uint)payload.Length).CopyTo(frame, 4);
        payload.CopyTo(frame, 8);
        return frame;
    }

    [Fact]
    public void A_frame_asking_for_a_window_above_the_limit_is_refused_before_any_output()
    {
        // zstd --long=27 from a pipe declares a 128 MiB window; the decoder would allocate it. It must refuse instead.
        var start = new ProcessStartInfo("zstd", ["-q", "-c", "--long=27", "-"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        process.StandardInput.BaseStream.Write(Sample(1000, 7));
        process.StandardInput.Close();
        using var compressed = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(compressed);
        process.WaitForExit();
        process.ExitCode.ShouldBe(0);
        ZstdFrames.GetFrameContentSize(compressed.ToArray()).ShouldBeNull();

        var error = Should.Throw<ZstdDataException>(() => ZstdDecompressionStream.DecompressAll(compressed.ToArray()));
        error.Message.ShouldContain("memory");
    }

    [Fact]
    public void Decompresses_concatenated_frames_and_skips_skippable_ones()
    {
        var a = Sample(300_000, 1);
        var b = Sample(5, 2);
        var data = RawEvents.Concat(ZstdCompressor.CompressFrame(a), Skippable([1, 2, 3]), ZstdCompressor.CompressFrame(b), Skippable([]));

        using var stream = new ZstdDecompressionStream(new MemoryStream(data));
        using var output = new MemoryStream();
        stream.CopyTo(output);

        output.ToArray().ShouldBe(RawEvents.Concat(a, b));
        stream.FramesCompleted.ShouldBe(4);
        stream.EndedMidFrame.ShouldBeFalse();
    }

    [Fact]
    public void Flush_makes_data_decodable_before_the_frame_ends_and_the_cli_agrees()
    {
        using var compressed = new MemoryStream();
        using var compressor = new ZstdCompressor();
        compressor.Compress("first "u8, ZstdEndDirective.Continue, compressed);
        compressor.Compress("part"u8, ZstdEndDirective.Flush, compressed);

        using (var partial = new ZstdDecompressionStream(new MemoryStream(compressed.ToArray())))
        using (var output = new MemoryStream())
        {
            partial.CopyTo(output);
            output.ToArray().ShouldBe("first part"u8.ToArray());
            partial.EndedMidFrame.ShouldBeTrue();
        }

        compressor.Compress(" end"u8, ZstdEndDirective.End, compressed);
        compressor.Compress("second frame"u8, ZstdEndDirective.End, compressed);
        var path = _temp.File("two.zst");
        File.WriteAllBytes(path, compressed.ToArray());
        ZstdCli.Decompress(path).ShouldBe("first part endsecond frame"u8.ToArray());
    }

    [Fact]
    public void Reads_what_the_zstd_cli_wrote()
    {
        var input = _temp.File("input.txt");
        var original = Sample(2_000_000, 3);
        File.WriteAllBytes(input, original);
        using (var process = Process.Start("zstd", ["-q", "-f", input, "-o", input + ".zst"]))
        {
            process.WaitForExit();
            process.ExitCode.ShouldBe(0);
        }
        ZstdDecompressionStream.DecompressAll(File.ReadAllBytes(input + ".zst")).ShouldBe(original);
    }

    [Fact]
    public void Frame_sizes_are_found_without_decompressing_and_a_frame_is_read_at_an_offset()
    {
        var first = ZstdCompressor.CompressFrame(Sample(10_000, 4));
        var secondData = Sample(20_000, 5);
        var second = ZstdCompressor.CompressFrame(secondData);
        var skippable = Skippable([9, 9]);
        var data = RawEvents.Concat(first, skippable, second);

        ZstdFrames.FindFrameCompressedSize(data).ShouldBe(first.Length);
        ZstdFrames.FindFrameCompressedSize(data.AsSpan(first.Length)).ShouldBe(skippable.Length);
        ZstdFrames.FindFrameCompressedSize(second.AsSpan(0, second.Length - 1)).ShouldBe(-1);
        ZstdFrames.GetFrameContentSize(second).ShouldBe(20_000ul);

        using var stream = new MemoryStream(data);
        var whole = new byte[1 << 20];
        ZstdFrames.DecompressFrameAt(stream, first.Length + skippable.Length, whole, out var length, out var complete).ShouldBe(secondData.Length);
        whole.AsSpan(0, secondData.Length).ToArray().ShouldBe(secondData);
        length.ShouldBe(secondData.Length);
        ZstdFrames.DecompressFrameAt(stream, first.Length + skippable.Length, new byte[1000], out var counted, out _).ShouldBe(-1);
        counted.ShouldBe(secondData.Length);
        var slice = new byte[100];
        ZstdFrames.DecompressFrameSlice(stream, first.Length + skippable.Length, 5000, slice).ShouldBe(100);
        slice.ShouldBe(secondData.AsSpan(5000, 100).ToArray());
        complete.ShouldBeTrue();
        ZstdFrames.DecompressFrameAt(new MemoryStream(second.AsSpan(0, second.Length / 2).ToArray()), 0, new byte[1 << 20], out _, out var cut);
        cut.ShouldBeFalse();
    }

    [Fact]
    public void Corrupt_data_throws_the_zstd_layers_exception_and_truncation_does_not()
    {
        var frame = ZstdCompressor.CompressFrame(Sample(50_000, 6));
        using (var truncated = new ZstdDecompressionStream(new MemoryStream(frame.AsSpan(0, frame.Length - 10).ToArray())))
        {
            truncated.CopyTo(Stream.Null);
            truncated.EndedMidFrame.ShouldBeTrue();
        }

        var garbage = frame.ToArray();
        for (var i = 6; i < garbage.Length; i++)
        {
            garbage[i] ^= 0xA5;
        }
        var error = Should.Throw<ZstdDataException>(() => ZstdDecompressionStream.DecompressAll(garbage));
        error.ZstdError.ShouldNotBeNullOrEmpty();
    }
}
