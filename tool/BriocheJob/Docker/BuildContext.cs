using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using BriocheJob.Diagnostics;

namespace BriocheJob.Docker;

/// <summary>
/// A build context ready to send: the directory, its ignore rules and where the Dockerfile sits inside the tar.
/// <see cref="WriteTarAsync"/> streams a PAX tar (modes and symlinks kept, owners 0:0 as the docker CLI sends them).
/// </summary>
public sealed class BuildContext
{
    /// <summary>Prefix of the name under which a Dockerfile from outside the context is added to the tar.</summary>
    public const string ExternalDockerfilePrefix = ".brioche-job-dockerfile-";

    private BuildContext(string contextDirectory, string dockerfilePath, string dockerfileNameInContext,
        bool dockerfileIsExternal, string? ignoreFilePath, DockerIgnore ignore)
    {
        ContextDirectory = contextDirectory;
        DockerfilePath = dockerfilePath;
        DockerfileNameInContext = dockerfileNameInContext;
        DockerfileIsExternal = dockerfileIsExternal;
        IgnoreFilePath = ignoreFilePath;
        Ignore = ignore;
    }

    public string ContextDirectory { get; }

    /// <summary>The Dockerfile's full path on disk.</summary>
    public string DockerfilePath { get; }

    /// <summary>The Dockerfile's path inside the tar: pass it as <see cref="DockerBuildRequest.Dockerfile"/>.</summary>
    public string DockerfileNameInContext { get; }

    public bool DockerfileIsExternal { get; }

    /// <summary>The ignore file in use (<c>&lt;Dockerfile&gt;.dockerignore</c> beats the context's .dockerignore), or null.</summary>
    public string? IgnoreFilePath { get; }

    /// <summary>The rules applied, with the Dockerfile and ignore file re-included as Docker does.</summary>
    public DockerIgnore Ignore { get; }

    /// <param name="contextDirectory">The build context root.</param>
    /// <param name="dockerfile">The Dockerfile; relative paths are taken from the context root. Default: <c>Dockerfile</c> in the context.</param>
    public static BuildContext Prepare(string contextDirectory, string? dockerfile = null)
    {
        var context = Path.GetFullPath(contextDirectory);
        if (!Directory.Exists(context))
        {
            throw Catalog.Docker.ContextMissing.Exception(context);
        }

        var dockerfilePath = Path.GetFullPath(string.IsNullOrEmpty(dockerfile) ? "Dockerfile" : dockerfile, context);
        if (!File.Exists(dockerfilePath))
        {
            throw Catalog.Docker.DockerfileMissing.Exception(dockerfilePath);
        }

        var relative = Path.GetRelativePath(context, dockerfilePath).Replace(Path.DirectorySeparatorChar, '/');
        var external = relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative);

        var specificIgnore = dockerfilePath + ".dockerignore";
        var contextIgnore = Path.Combine(context, ".dockerignore");
        var ignoreFile = File.Exists(specificIgnore) ? specificIgnore : File.Exists(contextIgnore) ? contextIgnore : null;
        var ignore = ignoreFile is null ? DockerIgnore.Empty : DockerIgnore.Parse(File.ReadAllText(ignoreFile), ignoreFile);

        string nameInContext;
        if (external)
        {
            // Named after its content: unique, yet stable from build to build so `COPY . .` keeps its cache.
            var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(dockerfilePath)))[..16];
            nameInContext = ExternalDockerfilePrefix + hash;
            for (var n = 1; File.Exists(Path.Combine(context, nameInContext)) || Directory.Exists(Path.Combine(context, nameInContext)); n++)
            {
                nameInContext = $"{ExternalDockerfilePrefix}{hash}-{n}";
            }
        }
        else
        {
            nameInContext = relative;
        }

        // Docker always sends the Dockerfile and the ignore file, even when a pattern excludes them.
        var alwaysSent = new List<string>();
        if (!external)
        {
            alwaysSent.Add(nameInContext);
        }

        if (ignoreFile is not null && IsInside(context, ignoreFile, out var ignoreRelative))
        {
            alwaysSent.Add(ignoreRelative);
        }

        if (alwaysSent.Count > 0)
        {
            ignore = ignore.WithExceptions(alwaysSent.ToArray());
        }

        return new BuildContext(context, dockerfilePath, nameInContext, external, ignoreFile, ignore);
    }

    private static bool IsInside(string root, string path, out string relative)
    {
        relative = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
        return !(relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative));
    }

    /// <summary>Writes the context as a tar to <paramref name="output"/>, entry by entry (file contents are streamed).</summary>
    public async Task WriteTarAsync(Stream output, CancellationToken cancellationToken = default)
    {
        await using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            await WriteDirectoryAsync(writer, ContextDirectory, "", excludedParent: false, cancellationToken)
                .ConfigureAwait(false);
            if (DockerfileIsExternal)
            {
                await WriteFileAsync(writer, new FileInfo(DockerfilePath), DockerfileNameInContext, cancellationToken)
                    .ConfigureAwait(false);
            }
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The entry names <see cref="WriteTarAsync"/> would write, in order (directories end with <c>/</c>).</summary>
    public IEnumerable<string> EnumerateEntryNames()
    {
        var names = new List<string>();
        Walk(ContextDirectory, "", names);
        if (DockerfileIsExternal)
        {
            names.Add(DockerfileNameInContext);
        }

        return names;
    }

    private void Walk(string directory, string prefix, List<string> names)
    {
        foreach (var info in Children(directory))
        {
            var name = prefix + info.Name;
            var isDirectory = info is DirectoryInfo && info.LinkTarget is null;
            if (!Ignore.IsExcluded(name))
            {
                names.Add(isDirectory ? name + "/" : name);
            }

            if (isDirectory && (!Ignore.IsExcluded(name) || Ignore.MayReincludeUnder(name)))
            {
                Walk(info.FullName, name + "/", names);
            }
        }
    }

    private async Task WriteDirectoryAsync(TarWriter writer, string directory, string prefix, bool excludedParent,
        CancellationToken cancellationToken)
    {
        foreach (var info in Children(directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = prefix + info.Name;
            var excluded = Ignore.IsExcluded(name);
            if (info.LinkTarget is { } target)
            {
                // Stored as a link, never followed.
                if (!excluded)
                {
                    await writer.WriteEntryAsync(NewEntry(TarEntryType.SymbolicLink, name, info, target), cancellationToken)
                        .ConfigureAwait(false);
                }
            }
            else if (info is DirectoryInfo)
            {
                if (!excluded)
                {
                    await writer.WriteEntryAsync(NewEntry(TarEntryType.Directory, name + "/", info, null), cancellationToken)
                        .ConfigureAwait(false);
                }

                if (!excluded || Ignore.MayReincludeUnder(name))
                {
                    await WriteDirectoryAsync(writer, info.FullName, name + "/", excluded, cancellationToken)
                        .ConfigureAwait(false);
                }
            }
            else if (info is FileInfo file && !excluded && IsRegularFile(file))
            {
                await WriteFileAsync(writer, file, name, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsRegularFile(FileInfo file) =>
        // Devices are not sent; Docker skips them too.
        (file.Attributes & FileAttributes.Device) == 0;

    private static async Task WriteFileAsync(TarWriter writer, FileInfo file, string name, CancellationToken cancellationToken)
    {
        var entry = NewEntry(TarEntryType.RegularFile, name, file, null);
        await using var content = new FileStream(file.FullName, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            BufferSize = 0,
        });
        entry.DataStream = content;
        await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    private static PosixTarEntry NewEntry(TarEntryType type, string name, FileSystemInfo info, string? linkTarget)
    {
        // Plain ustar headers whenever they fit: the engine sniffs the body's first bytes to tell a tar from a bare
        // Dockerfile, and a leading PAX extended header makes it guess wrong. PAX only for long names and links.
        var fitsUstar = name.Length <= 100 && (linkTarget?.Length ?? 0) <= 100
                        && Ascii.IsValid(name) && (linkTarget is null || Ascii.IsValid(linkTarget))
                        && (info is not FileInfo file || file.Length < MaxUstarSize);
        PosixTarEntry entry = fitsUstar ? new UstarTarEntry(type, name) : new PaxTarEntry(type, name);
        entry.Mode = OperatingSystem.IsWindows()
            ? (type == TarEntryType.Directory ? (UnixFileMode)0x1ED : (UnixFileMode)0x1A4)
            : info.UnixFileMode;
        entry.ModificationTime = info.LastWriteTimeUtc;
        entry.Uid = 0;
        entry.Gid = 0;
        if (linkTarget is not null)
        {
            entry.LinkName = linkTarget;
        }

        return entry;
    }

    private const long MaxUstarSize = (1L << 33) - 1; // 11 octal digits

    private static IEnumerable<FileSystemInfo> Children(string directory) =>
        new DirectoryInfo(directory)
            .EnumerateFileSystemInfos("*", new EnumerationOptions
            {
                RecurseSubdirectories = false,
                AttributesToSkip = 0,
                IgnoreInaccessible = false,
                ReturnSpecialDirectories = false,
            })
            .OrderBy(i => i.Name, StringComparer.Ordinal);
}
