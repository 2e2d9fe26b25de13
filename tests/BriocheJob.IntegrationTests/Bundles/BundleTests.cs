using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using BriocheJob.IntegrationTests.Brioche;
using BriocheJob.IntegrationTests.Docker;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.IntegrationTests.Retention;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Bundles;

/// <summary>Failure bundles of real recorded builds, exported from one data home and imported into another.</summary>
public sealed class BundleTests : IDisposable
{
    private readonly TempDirectory _temp = new("bj-bundle-");

    public void Dispose() => _temp.Dispose();

    private static CancellationToken Timeout(int seconds = 180) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    /// <summary>Every entry's bytes, decompressed, as one string (to look for secrets anywhere in the bundle).</summary>
    private static Dictionary<string, byte[]> Entries(string bundle)
    {
        var entries = new Dictionary<string, byte[]>();
        using var gzip = new GZipStream(File.OpenRead(bundle), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            entries[entry.Name] = data.ToArray();
        }

        return entries;
    }

    private static string Decompressed(byte[] zst)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, zst);
            return string.Join('\n', BriocheJob.Brioche.ProcessLog.Read(path).OutputLines.Select(l => l.Text));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_brioche_failure_moves_to_another_data_home_with_its_secret_env_redacted_everywhere()
    {
        var secret = "tok-" + Guid.NewGuid().ToString("N");
        var homeA = _temp.Combine("home-a");
        var homeB = _temp.Combine("home-b");
        var project = FakeBriocheProject.Write(_temp.Combine("app"), "app",
        [
            new FakeProcess("echo compiling; sleep 0.1"),
            new FakeProcess("echo \"using token $API_TOKEN\"; echo \"deploy to $DEPLOY_HOST\" >&2; exit 3",
                new Dictionary<string, string> { ["API_TOKEN"] = secret, ["DEPLOY_HOST"] = "internal.example", ["PLAIN"] = "visible" }),
        ]);
        var outcome = await new BriocheBuildRecorder(new BriocheBuildOptions
        {
            BriocheExe = FakeBriocheProject.Executable,
            Home = homeA,
            BriocheDataDir = _temp.Combine("brioche-data"),
            ExternalBuildId = "it-" + Guid.NewGuid().ToString("N"),
        }, new PruneIntegrationTests.QuietObserver()).RunAsync([new BriocheProjectSpec(project)], Timeout());
        var failed = outcome.Projects[0].FailedJob.ShouldNotBeNull();
        (await DotnetCli.BriocheJobAsync(homeA, ["logs", failed.Id])).Stdout.ShouldContain(secret, customMessage: "the recorded log holds the secret");
        var bundle = _temp.Combine("failure.tar.gz");

        var export = await DotnetCli.BriocheJobAsync(homeA, ["export", failed.Id, "-o", bundle, "--redact", "DEPLOY_HOST"]);

        export.ExitCode.ShouldBe(0, export.Describe());
        export.Stdout.ShouldContain("redacted API_TOKEN (found in: process env): its value replaced");
        export.Stdout.ShouldContain("redacted DEPLOY_HOST (found in: process env)");
        export.Stdout.ShouldContain($"wrote {bundle} (");
        export.Stdout.ShouldContain(", 1 project, 1 job, 1 events file");
        var entries = Entries(bundle);
        entries.Keys.ShouldBe(["jobs/" + failed.Id + "/events.bin.zst", "jobs/" + failed.Id + "/source.txt", "brioche-job-bundle.json"], ignoreOrder: true);
        entries.Keys.Last().ShouldBe("brioche-job-bundle.json", "the manifest is the last entry");
        var log = Decompressed(entries["jobs/" + failed.Id + "/events.bin.zst"]);
        log.ShouldContain("using token ***");
        log.ShouldContain("deploy to ***");
        foreach (var (name, bytes) in entries)
        {
            var text = Encoding.UTF8.GetString(name.EndsWith(".zst") ? Encoding.UTF8.GetBytes(Decompressed(bytes)) : bytes);
            text.ShouldNotContain(secret, customMessage: name);
            text.ShouldNotContain("internal.example", customMessage: name);
        }

        var description = BriocheJob.Brioche.ProcessEventsReader.ReadDescription(new MemoryStream(entries["jobs/" + failed.Id + "/events.bin.zst"]));
        description.SandboxConfig.Env["API_TOKEN"].ToDisplayString().ShouldBe("***");
        description.SandboxConfig.Env["PLAIN"].ToDisplayString().ShouldBe("visible");
        var source = Encoding.UTF8.GetString(entries["jobs/" + failed.Id + "/source.txt"]);
        source.ShouldContain("project.bri");
        source.ShouldContain("> 5:   std.process({ command: \"/bin/sh\"");

        var import = await DotnetCli.BriocheJobAsync(homeB, ["import", "bundle", bundle]);

        import.ExitCode.ShouldBe(0, import.Describe());
        import.Stdout.ShouldStartWith("imported build ");
        import.Stdout.ShouldContain($": 1 job (1 failed) from build {outcome.BuildId} exported ");
        var list = await DotnetCli.BriocheJobAsync(homeB, ["list", "--json"]);
        using (var doc = JsonDocument.Parse(list.Stdout))
        {
            var job = doc.RootElement.EnumerateArray().Single();
            job.GetProperty("id").GetString().ShouldBe(failed.Id);
            job.GetProperty("result").GetString().ShouldBe("failed");
            job.GetProperty("exitCode").GetInt32().ShouldBe(3);
            job.GetProperty("project").GetString().ShouldBe("app");
        }

        var builds = await DotnetCli.BriocheJobAsync(homeB, ["builds", "--json"]);
        builds.Stdout.ShouldContain("\"origin\":\"import\"");
        var logs = await DotnetCli.BriocheJobAsync(homeB, ["logs"]);
        logs.ExitCode.ShouldBe(0, logs.Describe());
        logs.Stdout.ShouldContain("using token ***");
        logs.Stdout.ShouldContain("[process exited with code 3]");
        var show = await DotnetCli.BriocheJobAsync(homeB, ["show", failed.Id[..10]]);
        show.ExitCode.ShouldBe(0, show.Describe());
        show.Stdout.ShouldContain("import, failed");
        show.Stdout.ShouldContain("exit code 3");

        var again = await DotnetCli.BriocheJobAsync(homeB, ["import", "bundle", bundle]);
        again.ExitCode.ShouldBe(1);
        again.Stderr.ShouldBe($"error BJ1008: job {failed.Id} of this bundle is already recorded in {homeB} (imported before?); nothing was imported\n");
    }

    [Fact]
    public async Task A_docker_build_bundle_has_the_dockerfile_and_timeline_and_debug_shell_rebuilds_from_it_while_the_context_is_here()
    {
        using var fx = new DockerRecordingFixture();
        var secret = "key-" + Guid.NewGuid().ToString("N");
        var marker = DockerRecordingFixture.NewMarker("bj-bundle");
        fx.WriteDockerfile($"""
            FROM {DockerRecordingFixture.BaseImage}
            ARG SECRET_KEY
            ENV GREETING={marker}
            RUN echo "greeting $GREETING"
            RUN echo "key is $SECRET_KEY" && exit 5
            """);
        var spec = fx.Spec() with { BuildArgs = new Dictionary<string, string> { ["SECRET_KEY"] = secret } };
        var (outcome, build, _) = await fx.BuildAndRecordAsync(spec);
        outcome.FailedStep.ShouldNotBeNull();
        var bundle = _temp.Combine("docker.tar.gz");
        var homeB = _temp.Combine("home-b");

        var export = await DotnetCli.BriocheJobAsync(fx.Home, ["export", "--build", build.Build.Id, "-o", bundle]);

        export.ExitCode.ShouldBe(0, export.Describe());
        export.Stdout.ShouldContain("redacted SECRET_KEY (found in: build arg");
        var entries = Entries(bundle);
        var dockerfile = Encoding.UTF8.GetString(entries["projects/0/Dockerfile"]);
        dockerfile.ShouldContain("RUN echo \"key is $SECRET_KEY\" && exit 5");
        var trace = Encoding.UTF8.GetString(entries["projects/0/trace.txt"]);
        trace.ShouldContain($"greeting {marker}");
        trace.ShouldContain("key is ***");
        trace.ShouldContain("ERROR: ");
        foreach (var (name, bytes) in entries)
        {
            var text = name.EndsWith(".zst") ? Decompressed(bytes) : Encoding.UTF8.GetString(bytes);
            text.ShouldNotContain(secret, customMessage: name);
        }

        var import = await DotnetCli.BriocheJobAsync(homeB, ["import", "bundle", bundle]);
        import.ExitCode.ShouldBe(0, import.Describe());
        var logs = await DotnetCli.BriocheJobAsync(homeB, ["logs"]);
        logs.Stdout.ShouldContain("key is ***");

        var shell = await DotnetCli.BriocheJobAsync(homeB, ["debug-shell", "--", "sh", "-c", "echo $GREETING"]);
        shell.ExitCode.ShouldBe(0, shell.Describe());
        shell.Stdout.ShouldBe(marker + "\n");
        shell.Stderr.ShouldContain(Path.Combine(homeB, "bundles"), customMessage: "the rebuild uses the bundled Dockerfile");

        Directory.Delete(fx.Context, recursive: true);
        var gone = await DotnetCli.BriocheJobAsync(homeB, ["debug-shell", "--", "true"]);
        gone.ExitCode.ShouldBe(3);
        gone.Stderr.Trim().Split('\n').ShouldHaveSingleItem().ShouldStartWith("error BJ6033: ");
        gone.Stderr.ShouldContain(fx.Context);
    }

    [Fact]
    public async Task A_truncated_or_altered_bundle_is_one_error_line_and_nothing_is_imported()
    {
        var homeA = _temp.Combine("home-a");
        var project = FakeBriocheProject.Write(_temp.Combine("app"), "app",
            [new FakeProcess("for i in $(seq 1 2000); do echo line $i of some build output; done; exit 1")]);
        await new BriocheBuildRecorder(new BriocheBuildOptions
        {
            BriocheExe = FakeBriocheProject.Executable,
            Home = homeA,
            BriocheDataDir = _temp.Combine("brioche-data"),
        }, new PruneIntegrationTests.QuietObserver()).RunAsync([new BriocheProjectSpec(project)], Timeout());
        var bundle = _temp.Combine("good.tar.gz");
        (await DotnetCli.BriocheJobAsync(homeA, ["export", "-o", bundle])).ExitCode.ShouldBe(0);
        var bytes = File.ReadAllBytes(bundle);
        var damaged = new List<(string Name, byte[] Bytes)>();
        foreach (var length in new[] { 0, 10, 100, bytes.Length / 3, bytes.Length / 2, bytes.Length - 600, bytes.Length - 30, bytes.Length - 1 })
        {
            damaged.Add(($"cut at {length}", bytes[..length]));
        }

        var flipped = bytes.ToArray();
        flipped[bytes.Length / 2] ^= 0x55;
        damaged.Add(("a flipped byte", flipped));
        damaged.Add(("not gzip", Encoding.UTF8.GetBytes("hello, this is not a bundle\n")));

        foreach (var (name, content) in damaged)
        {
            var homeC = _temp.Combine("home-c-" + Guid.NewGuid().ToString("N")[..6]);
            var path = _temp.Combine("damaged.tar.gz");
            File.WriteAllBytes(path, content);

            var result = await DotnetCli.BriocheJobAsync(homeC, ["import", "bundle", path]);

            result.ExitCode.ShouldBe(5, $"{name}: {result.Describe()}");
            var line = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldHaveSingleItem(name);
            line.ShouldStartWith($"error BJ6030: {path} is not a readable bundle: ", customMessage: name);
            line.ShouldEndWith("nothing was imported", customMessage: name);
            result.Stdout.ShouldBeEmpty(name);
            (await DotnetCli.BriocheJobAsync(homeC, ["builds", "--json"])).Stdout.Trim().ShouldBe("[]", name);
            Directory.Exists(Path.Combine(homeC, "jobs")).ShouldBeFalse(name);
            Directory.EnumerateDirectories(homeC, ".import-*").ShouldBeEmpty(name);
        }

        var good = await DotnetCli.BriocheJobAsync(_temp.Combine("home-d"), ["import", "bundle", bundle]);
        good.ExitCode.ShouldBe(0, good.Describe());
    }
}
