using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using BriocheJob.Brioche;

namespace BriocheJob.Tests.Brioche;

/// <summary>Temp dirs, fixture copies, and an encoder written independently of the engine's codec.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bj-events-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class Fixtures
{
    /// <summary>The repository's <c>tests/Fixtures</c> dir (found from the dir holding BriocheJob.slnx).</summary>
    public static string FixturesDir
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BriocheJob.slnx")))
            {
                dir = dir.Parent;
            }
            if (dir is null)
            {
                throw new InvalidOperationException("cannot find the repository root (BriocheJob.slnx) above " + AppContext.BaseDirectory);
            }
            return Path.Combine(dir.FullName, "tests", "Fixtures");
        }
    }

    /// <summary>Copies fixtures/brioche into <paramref name="temp"/> and returns the copy's path.</summary>
    public static string CopyBriocheFixtures(TempDir temp)
    {
        var source = Path.Combine(FixturesDir, "brioche");
        var target = Path.Combine(temp.Path, "brioche");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.WriteAllBytes(destination, File.ReadAllBytes(file));
        }
        return target;
    }

    public static JsonElement Expected(string fixtures)
        => JsonDocument.Parse(File.ReadAllText(Path.Combine(fixtures, "expected.json"))).RootElement;
}

/// <summary>Builds the raw (decompressed) stream by hand, per the spec, to check the writer against.</summary>
internal static class RawEvents
{
    public static readonly byte[] Magic = Encoding.ASCII.GetBytes("brioche_process_events v0       ");

    public static byte[] Event(byte kind, byte[] body)
    {
        var bytes = new byte[body.Length + 10];
        bytes[0] = kind;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), (uint)body.Length);
        body.CopyTo(bytes, 5);
        bytes[5 + body.Length] = kind;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(6 + body.Length), (uint)body.Length);
        return bytes;
    }

    public static byte[] Timed(byte kind, uint elapsed, byte[] rest)
    {
        var body = new byte[4 + rest.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body, elapsed);
        rest.CopyTo(body, 4);
        return Event(kind, body);
    }

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] I32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}

internal static class Descriptions
{
    public static ProcessDescription Sample(string hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
    {
        var description = new ProcessDescription
        {
            Recipe = JsonDocument.Parse("""{"type":"complete_process","command":{"components":[{"type":"literal","value":"/bin/sh"}]},"platform":"x86_64-linux"}""").RootElement,
            Meta = new ProcessMeta
            {
                Source = [new RecipeStackFrame { FileName = "project.bri", LineNumber = 7, ColumnNumber = 3, ProjectName = "demo", ModulePath = "./project.bri" }],
            },
            SandboxConfig = new SandboxConfig
            {
                SandboxRoot = "/tmp/root",
                Command = ProcessTemplate.Literal("/bin/sh"),
                Args = [ProcessTemplate.Literal("-c"), ProcessTemplate.Literal("echo `hi`\u00e9")],
                CurrentDir = ProcessTemplate.Literal("/work"),
                UidHint = 1000,
                GidHint = 1000,
            },
            RootDir = "/tmp/root",
            OutputDir = "/tmp/outputs/output-" + hash,
        };
        description.SetCreatedAt(new DateTimeOffset(2026, 3, 23, 10, 0, 0, 123, TimeSpan.FromHours(-7)), "America/Los_Angeles");
        return description;
    }
}

internal static class ZstdCli
{
    public static byte[] DecompressBytes(byte[] compressed)
    {
        var path = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, compressed);
            return Decompress(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Runs <c>zstd -d -c</c> on a file and returns stdout.</summary>
    public static byte[] Decompress(string path)
    {
        var start = new ProcessStartInfo("zstd", ["-d", "-c", "-q", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        using var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        copy.Wait();
        process.ExitCode.ShouldBe(0, error.Result);
        return output.ToArray();
    }
}
