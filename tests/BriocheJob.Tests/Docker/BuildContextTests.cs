using System.Formats.Tar;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;

namespace BriocheJob.Tests.Docker;

public sealed class BuildContextTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bj-ctx-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Write(string relative, string content = "x")
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task<Dictionary<string, TarEntry>> ReadTarAsync(BuildContext context)
    {
        var buffer = new MemoryStream();
        await context.WriteTarAsync(buffer);
        buffer.Position = 0;
        var entries = new Dictionary<string, TarEntry>();
        using var reader = new TarReader(buffer);
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            entries.Add(entry.Name, entry);
        }

        return entries;
    }

    private static string Content(TarEntry entry) => new StreamReader(entry.DataStream!).ReadToEnd();

    [Fact]
    public async Task Tar_keeps_modes_directories_and_symlinks_and_sets_owner_root()
    {
        Write("Dockerfile", "FROM scratch\n");
        var script = Write("bin/run.sh", "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                     | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.CreateSymbolicLink(Path.Combine(_root, "bin", "run"), "run.sh");
        File.CreateSymbolicLink(Path.Combine(_root, "outside"), "/etc/hostname");
        Directory.CreateDirectory(Path.Combine(_root, "empty"));

        var entries = await ReadTarAsync(BuildContext.Prepare(_root));

        entries.Keys.ShouldBe(["bin/", "bin/run", "bin/run.sh", "Dockerfile", "empty/", "outside"], ignoreOrder: true);
        entries["bin/"].EntryType.ShouldBe(TarEntryType.Directory);
        entries["empty/"].EntryType.ShouldBe(TarEntryType.Directory);
        entries["bin/run.sh"].EntryType.ShouldBe(TarEntryType.RegularFile);
        ((int)entries["bin/run.sh"].Mode).ShouldBe(0b111_101_101);
        Content(entries["bin/run.sh"]).ShouldBe("#!/bin/sh\necho hi\n");
        entries["bin/run"].EntryType.ShouldBe(TarEntryType.SymbolicLink);
        entries["bin/run"].LinkName.ShouldBe("run.sh");
        entries["outside"].LinkName.ShouldBe("/etc/hostname");
        entries["outside"].Length.ShouldBe(0);
        entries.Values.ShouldAllBe(e => e.Uid == 0 && e.Gid == 0);
    }

    [Fact]
    public async Task Short_names_use_plain_ustar_headers_and_long_names_fall_back_to_pax()
    {
        Write("Dockerfile", "FROM scratch\n");
        var longName = "deep/" + new string('n', 120) + ".txt";
        Write(longName, "long");

        var entries = await ReadTarAsync(BuildContext.Prepare(_root));

        // The engine sniffs the first header to tell a tar from a bare Dockerfile: it must not be a PAX header.
        entries["Dockerfile"].Format.ShouldBe(TarEntryFormat.Ustar);
        entries[longName].Format.ShouldBe(TarEntryFormat.Pax);
        Content(entries[longName]).ShouldBe("long");
    }

    [Fact]
    public async Task Ignored_files_are_absent_but_the_dockerfile_and_dockerignore_are_always_sent()
    {
        Write("Dockerfile", "FROM scratch\n");
        Write(".dockerignore", "Dockerfile\n.dockerignore\n*.log\nnode_modules\nsecrets/\n!secrets/public.pem\n");
        Write("app.log");
        Write("src/app.log");
        Write("src/main.c");
        Write("node_modules/x/index.js");
        Write("secrets/private.key");
        Write("secrets/public.pem");

        var context = BuildContext.Prepare(_root);
        var entries = await ReadTarAsync(context);

        entries.Keys.ShouldBe([".dockerignore", "Dockerfile", "secrets/public.pem", "src/", "src/app.log", "src/main.c"],
            ignoreOrder: true);
        context.EnumerateEntryNames().ShouldBe(entries.Keys, ignoreOrder: true);
        context.DockerfileNameInContext.ShouldBe("Dockerfile");
        context.DockerfileIsExternal.ShouldBeFalse();
    }

    [Fact]
    public async Task Dockerfile_specific_ignore_file_takes_precedence()
    {
        Write("docker/app.Dockerfile", "FROM scratch\n");
        Write("docker/app.Dockerfile.dockerignore", "b.txt\n");
        Write(".dockerignore", "a.txt\n");
        Write("a.txt");
        Write("b.txt");

        var context = BuildContext.Prepare(_root, "docker/app.Dockerfile");
        var entries = await ReadTarAsync(context);

        context.IgnoreFilePath.ShouldBe(Path.Combine(_root, "docker", "app.Dockerfile.dockerignore"));
        context.DockerfileNameInContext.ShouldBe("docker/app.Dockerfile");
        entries.ShouldContainKey("a.txt");
        entries.ShouldNotContainKey("b.txt");
    }

    [Fact]
    public async Task Dockerfile_outside_the_context_is_added_under_a_generated_name()
    {
        var outside = Directory.CreateTempSubdirectory("bj-df-").FullName;
        try
        {
            var dockerfile = Path.Combine(outside, "Dockerfile");
            File.WriteAllText(dockerfile, "FROM busybox:local\nRUN true\n");
            Write("file.txt", "data");

            var context = BuildContext.Prepare(_root, dockerfile);
            var entries = await ReadTarAsync(context);

            context.DockerfileIsExternal.ShouldBeTrue();
            context.DockerfileNameInContext.ShouldStartWith(BuildContext.ExternalDockerfilePrefix);
            entries.Keys.ShouldBe(["file.txt", context.DockerfileNameInContext], ignoreOrder: true);
            Content(entries[context.DockerfileNameInContext]).ShouldBe("FROM busybox:local\nRUN true\n");
            // Same content, same name: the context (and `COPY . .` caches) stay stable from build to build.
            BuildContext.Prepare(_root, dockerfile).DockerfileNameInContext.ShouldBe(context.DockerfileNameInContext);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void Missing_context_or_dockerfile_are_not_found_errors()
    {
        Should.Throw<BriocheJobException>(() => BuildContext.Prepare(Path.Combine(_root, "nope")))
            .Code.ShouldBe(Catalog.Docker.ContextMissing);
        var error = Should.Throw<BriocheJobException>(() => BuildContext.Prepare(_root, "Missing.Dockerfile"));
        error.Code.ShouldBe(Catalog.Docker.DockerfileMissing);
        error.Kind.ShouldBe(ErrorKind.NotFound);
        error.Message.ShouldContain("Missing.Dockerfile");
    }
}
