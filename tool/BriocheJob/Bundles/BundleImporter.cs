using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using BriocheJob.Brioche;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.Store;

namespace BriocheJob.Bundles;

/// <summary>What <see cref="BundleImporter.Import"/> recorded.</summary>
public sealed record BundleImportResult(BuildRecord Build, BundleManifest Manifest, int Jobs, int Failed, string BundleFolder);

/// <summary>
/// Records a bundle in this data home as a build of origin <c>import</c>, keeping the job ids. Nothing is
/// half-imported: every entry is extracted to a scratch folder and checked against the manifest's SHA-256 (and
/// every events file read through) before anything moves; then the files move into place and the rows are written
/// in one transaction; if that fails, the files are taken back out. Any problem with the file is one BJ6030 error.
/// </summary>
public static partial class BundleImporter
{
    /// <summary>Most bytes one entry may hold once decompressed (a guard against a bundle that inflates without end).</summary>
    public const long MaxEntryBytes = 4L << 30;

    public static BundleImportResult Import(string bundlePath, DataHome home, IJobStore store, DateTimeOffset now)
    {
        var maintenance = store as IStoreMaintenance ?? throw Catalog.Store.StoreUnsupported.Exception("import bundles", "import");
        bundlePath = Path.GetFullPath(bundlePath);
        if (!File.Exists(bundlePath))
        {
            throw Catalog.Commands.BundleNotFound.Exception(bundlePath);
        }

        home.EnsureCreated();
        var scratch = Path.Combine(home.Root, ".import-" + Guid.NewGuid().ToString("N"));
        DataHome.CreatePrivateFolder(scratch);
        var moved = new List<string>();
        try
        {
            var manifest = Extract(bundlePath, scratch);
            var buildId = Ulid.NewUlid(now);
            var bundleFolder = Path.Combine(home.Root, "bundles", buildId);
            foreach (var job in manifest.Jobs)
            {
                if (store.JobExists(job.Id))
                {
                    throw Catalog.Store.BundleJobAlreadyRecorded.Exception(job.Id, home.Root);
                }
            }

            // Files first (nothing points at them yet), then the rows in one transaction.
            var dockerfiles = new Dictionary<int, string>();
            foreach (var project in manifest.Projects)
            {
                if (project.Dockerfile is { } entry)
                {
                    dockerfiles[project.Index] = MoveInto(scratch, entry, Path.Combine(bundleFolder, entry), moved);
                }

                if (project.Trace is { } trace)
                {
                    MoveInto(scratch, trace, Path.Combine(bundleFolder, trace), moved);
                }
            }

            var jobs = new List<(int, JobRecord)>();
            foreach (var job in manifest.Jobs)
            {
                string? local = job.Events is { } events
                    ? MoveInto(scratch, events, Path.Combine(home.JobDirectory(job.Id), "events.bin.zst"), moved, createJobFolder: home)
                    : null;
                if (job.Source is { } source)
                {
                    MoveInto(scratch, source, Path.Combine(bundleFolder, source), moved);
                }

                var meta = job.RecipeMeta;
                if (job.Project is { } index && dockerfiles.TryGetValue(index, out var dockerfile) && DockerStepMeta.TryParse(meta) is { } docker)
                {
                    // debug-shell rebuilds from the bundled Dockerfile; the context stays the recorded one.
                    meta = (docker with { Dockerfile = dockerfile, DockerfileSha256 = BundleExporter.Sha256(dockerfile) }).ToJson();
                }

                jobs.Add((job.Project ?? -1, new JobRecord(job.Id, null, ParseKind(job.Kind), job.Name, job.StartedAt, job.StoppedAt,
                    NotRunning(ParseState(job.State)), ParseResult(job.Result), job.ExitCode, job.Signal, job.Message, job.Cached, job.RecipeHash,
                    meta, job.Pid, null, local)));
            }

            var b = manifest.Build;
            var build = new BuildRecord(buildId, null, BuildOrigin.Import, b.WorkingDirectory, null, b.StartedAt, b.StoppedAt,
                NotRunning(ParseState(b.State)), ParseResult(b.Result));
            var projects = manifest.Projects.OrderBy(p => p.Index)
                .Select(p => new ProjectRequest(ParseKind(p.Kind), p.Name, p.ProjectHash, p.LocalProjectPath, p.RegistryProjectName))
                .ToList();
            var recorded = maintenance.RecordWholeBuild(build, projects, jobs);
            moved.Clear();
            return new BundleImportResult(recorded, manifest, jobs.Count, jobs.Count(j => j.Item2.Result == RunResult.Failed), bundleFolder);
        }
        catch
        {
            foreach (var path in moved)
            {
                TryDelete(path);
            }

            throw;
        }
        finally
        {
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Extracts and checks every entry; returns the manifest. Throws BJ6030 for anything wrong with the file.</summary>
    private static BundleManifest Extract(string bundlePath, string scratch)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var file = File.OpenRead(bundlePath);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var counted = new CountingStream(gzip);
            using var tar = new TarReader(counted);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    throw Unreadable(bundlePath, $"entry '{entry.Name}' is not a regular file");
                }

                if (!EntryName().IsMatch(entry.Name) || files.ContainsKey(entry.Name))
                {
                    throw Unreadable(bundlePath, $"unexpected entry '{entry.Name}'");
                }

                if (entry.Length > MaxEntryBytes)
                {
                    throw Unreadable(bundlePath, $"entry '{entry.Name}' is too large");
                }

                var target = Path.Combine(scratch, files.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
                {
                    entry.DataStream?.CopyTo(output);
                }

                if (new FileInfo(target).Length != entry.Length)
                {
                    throw Unreadable(bundlePath, $"entry '{entry.Name}' is cut short");
                }

                files[entry.Name] = target;
            }

            // GZipStream stops quietly at a cut-off end: check the gzip trailer's length (ISIZE) against what we read.
            counted.CopyTo(Stream.Null);
            if (file.Length < 8)
            {
                throw Unreadable(bundlePath, "it is cut short");
            }

            Span<byte> trailer = stackalloc byte[4];
            file.Seek(-4, SeekOrigin.End);
            file.ReadExactly(trailer);
            if (System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer) != (uint)counted.BytesRead)
            {
                throw Unreadable(bundlePath, "it is cut short or altered (the gzip length does not match)");
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or IOException
                                      or ArgumentException or InvalidOperationException)
        {
            throw Unreadable(bundlePath, e.Message);
        }

        if (!files.TryGetValue(BundleManifest.EntryName, out var manifestFile))
        {
            throw Unreadable(bundlePath, $"it has no {BundleManifest.EntryName} (cut short, or not a bundle)");
        }

        BundleManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(File.ReadAllBytes(manifestFile), BundleJsonContext.Default.BundleManifest)
                ?? throw Unreadable(bundlePath, "the manifest is empty");
        }
        catch (JsonException e)
        {
            throw Unreadable(bundlePath, $"the manifest is not valid: {e.Message}");
        }

        if (manifest.Format != BundleManifest.FormatName)
        {
            throw Unreadable(bundlePath, $"the manifest is a '{manifest.Format}', not a {BundleManifest.FormatName}");
        }

        if (manifest.Version > BundleManifest.CurrentVersion)
        {
            throw Catalog.Commands.BundleTooNew.Exception(bundlePath, manifest.Version, BundleManifest.CurrentVersion);
        }

        foreach (var (name, path) in files.Where(f => f.Key != BundleManifest.EntryName))
        {
            if (!manifest.Entries.TryGetValue(name, out var hash) || hash != BundleExporter.Sha256(path))
            {
                throw Unreadable(bundlePath, $"entry '{name}' does not match the manifest");
            }
        }

        var referenced = manifest.Jobs.SelectMany(j => new[] { j.Events, j.Source })
            .Concat(manifest.Projects.SelectMany(p => new[] { p.Dockerfile, p.Trace }))
            .OfType<string>();
        foreach (var name in referenced.Concat(manifest.Entries.Keys))
        {
            if (!files.ContainsKey(name))
            {
                throw Unreadable(bundlePath, $"entry '{name}' is missing (cut short?)");
            }
        }

        foreach (var job in manifest.Jobs)
        {
            if (!Ulid.IsCrockfordText(job.Id) || job.Id.Length > 128)
            {
                throw Unreadable(bundlePath, $"job id '{job.Id}' is not usable");
            }

            if (job.Project is { } index && (index < 0 || index >= manifest.Projects.Count))
            {
                throw Unreadable(bundlePath, $"job {job.Id} names project {index}, which the bundle does not have");
            }

            if (job.Events is { } events)
            {
                try
                {
                    var log = ProcessLog.Read(files[events]);
                    _ = log.OutputLines.Count;
                }
                catch (BriocheJobException e)
                {
                    throw Unreadable(bundlePath, $"the events file of job {job.Id} cannot be read: {e.Message}");
                }
            }

            _ = ParseKind(job.Kind);
            _ = ParseState(job.State);
            _ = ParseResult(job.Result);
        }

        // Rename the scratch files to their entry names so the caller can move them by name.
        foreach (var (name, path) in files)
        {
            var named = Path.Combine(scratch, "entries", name);
            Directory.CreateDirectory(Path.GetDirectoryName(named)!);
            File.Move(path, named);
        }

        return manifest;
    }

    private static string MoveInto(string scratch, string entry, string destination, List<string> moved, DataHome? createJobFolder = null)
    {
        var folder = Path.GetDirectoryName(destination)!;
        if (createJobFolder is not null)
        {
            createJobFolder.EnsureJobDirectory(Path.GetFileName(folder));
        }
        else
        {
            Directory.CreateDirectory(folder);
        }

        File.Move(Path.Combine(scratch, "entries", entry), destination, overwrite: false);
        DataHome.MakePrivateFile(destination);
        moved.Add(destination);
        return destination;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            var folder = Path.GetDirectoryName(path);
            while (folder is not null && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()
                   && !folder.EndsWith(Path.DirectorySeparatorChar + "jobs", StringComparison.Ordinal)
                   && !folder.EndsWith(Path.DirectorySeparatorChar + "bundles", StringComparison.Ordinal))
            {
                Directory.Delete(folder);
                folder = Path.GetDirectoryName(folder);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Nothing on this machine records an imported job: one that was running when exported reads as interrupted.</summary>
    private static RunState NotRunning(RunState state) => state == RunState.Running ? RunState.Interrupted : state;

    private static BriocheJobException Unreadable(string path, string why) =>
        Catalog.Commands.BundleUnreadable.Exception(path, why.ReplaceLineEndings(" "));

    private static JobKind ParseKind(string text) => Enum.TryParse<JobKind>(text, ignoreCase: true, out var kind)
        ? kind : throw Catalog.Commands.UnknownBundleValue.Exception("job kind", text);

    private static RunState ParseState(string text) => Enum.TryParse<RunState>(text, ignoreCase: true, out var state)
        ? state : throw Catalog.Commands.UnknownBundleValue.Exception("state", text);

    private static RunResult? ParseResult(string? text) => text is null ? null : Enum.TryParse<RunResult>(text, ignoreCase: true, out var result)
        ? result : throw Catalog.Commands.UnknownBundleValue.Exception("result", text);

    [GeneratedRegex(@"^(brioche-job-bundle\.json|jobs/[0-9A-Za-z_-]{1,128}/(events\.bin\.zst|source\.txt)|projects/[0-9]{1,6}/(Dockerfile|trace\.txt))$")]
    private static partial Regex EntryName();

    /// <summary>Counts the bytes read through it.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            BytesRead += n;
            return n;
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
