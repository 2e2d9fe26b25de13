using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BriocheJob.Brioche;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.Store;

namespace BriocheJob.Bundles;

/// <summary>What <see cref="BundleExporter.Export"/> wrote.</summary>
public sealed record ExportResult(
    string Path, long Bytes, string BuildId, int Projects, int Jobs, int EventsFiles,
    IReadOnlyList<BundleRedaction> Redacted, IReadOnlyList<string> Warnings);

/// <summary>
/// Writes a failure bundle: one gzip-compressed POSIX tar (System.Formats.Tar, GZipStream) holding the jobs' events
/// files, each Docker project's Dockerfile and decoded step timeline, each Brioche job's stack-trace lines, and
/// last <see cref="BundleManifest"/> with the records and every entry's SHA-256. Secrets are found first, across
/// every job, then redacted in everything written. The file appears only when complete (written beside, then renamed).
/// </summary>
public static class BundleExporter
{
    private const int SourceContextLines = 2;

    public static ExportResult Export(BuildDetails build, IReadOnlyList<JobView> jobs, string outputPath, IEnumerable<string> redactNames,
        DateTimeOffset now, string? exportedBy = null)
    {
        outputPath = System.IO.Path.GetFullPath(outputPath);
        var redactor = new SecretRedactor(redactNames);
        var warnings = new List<string>();
        var projects = build.Projects.Where(p => jobs.Any(j => j.Job.BuildProjectId == p.Id)).ToList();
        var dockerfiles = new Dictionary<long, string>();

        // Pass 1: every secret of every job, so a value named in one job is redacted in all of them.
        foreach (var project in projects.Where(p => p.Kind == JobKind.Docker))
        {
            var path = DockerfileOf(project, jobs);
            if (path is null || !File.Exists(path))
            {
                warnings.Add($"the Dockerfile of {project.Name} ({path ?? "not recorded"}) is not here; the bundle has none");
                continue;
            }

            dockerfiles[project.Id] = path;
            try
            {
                var parsed = DockerfileParser.Parse(File.ReadAllText(path), new Dictionary<string, string>(), path);
                foreach (var instruction in parsed.AllInstructions)
                {
                    foreach (var (name, value) in instruction.StateBefore.Environment.Concat(instruction.StateBefore.Args))
                    {
                        redactor.Consider(name, value, "Dockerfile of " + project.Name);
                    }
                }

                foreach (var (name, value) in parsed.GlobalArgValues)
                {
                    redactor.Consider(name, value, "Dockerfile of " + project.Name);
                }
            }
            catch (BriocheJobException e)
            {
                warnings.Add($"the Dockerfile of {project.Name} cannot be parsed for secrets: {e.Message}");
            }
        }

        foreach (var job in jobs.Select(v => v.Job))
        {
            if (DockerStepMeta.TryParse(job.RecipeMeta)?.BuildArgs is { } args)
            {
                foreach (var (name, value) in args)
                {
                    redactor.Consider(name, value, "build arg");
                }
            }

            if (job.LocalPath is { } events && File.Exists(events))
            {
                try
                {
                    EventsRedaction.CollectSecrets(events, redactor, job.Kind == JobKind.Docker ? "step env" : "process env");
                }
                catch (BriocheJobException e)
                {
                    warnings.Add($"job {job.Id}: the events file cannot be read: {e.Message}");
                }
            }
        }

        foreach (var name in redactor.TooShortToSearch)
        {
            warnings.Add($"{name}: its value is shorter than {SecretRedactor.MinimumValueLength} characters, so it is masked where named but not searched for in log lines");
        }

        // Pass 2: write the redacted entries to a scratch folder, then the archive.
        var scratch = Directory.CreateTempSubdirectory("brioche-job-export-").FullName;
        try
        {
            var entries = new List<(string Name, string File)>();
            string Add(string name, string file)
            {
                entries.Add((name, file));
                return name;
            }

            string AddText(string name, string text)
            {
                var file = System.IO.Path.Combine(scratch, name.Replace('/', '_'));
                File.WriteAllText(file, text);
                return Add(name, file);
            }

            var bundleProjects = new List<BundleProject>();
            for (int i = 0; i < projects.Count; i++)
            {
                var project = projects[i];
                string? dockerfileEntry = null, traceEntry = null;
                if (project.Kind == JobKind.Docker)
                {
                    if (dockerfiles.TryGetValue(project.Id, out var dockerfile))
                    {
                        dockerfileEntry = AddText($"projects/{i}/Dockerfile", redactor.Redact(File.ReadAllText(dockerfile)));
                    }

                    traceEntry = AddText($"projects/{i}/trace.txt",
                        redactor.Redact(StepTimeline.Render(jobs.Where(j => j.Job.BuildProjectId == project.Id).Select(j => j.Job))));
                }

                bundleProjects.Add(new BundleProject(i, Text(project.Kind), project.Name, project.ProjectHash,
                    project.LocalProjectPath, project.RegistryProjectName, dockerfileEntry, traceEntry));
            }

            var bundleJobs = new List<BundleJob>();
            int eventsFiles = 0;
            foreach (var view in jobs.OrderBy(j => j.Job.StartedAt).ThenBy(j => j.Job.Id, StringComparer.Ordinal))
            {
                var job = view.Job;
                string? eventsEntry = null, sourceEntry = null;
                if (job.LocalPath is { } events && File.Exists(events))
                {
                    var redacted = System.IO.Path.Combine(scratch, job.Id + ".events.bin.zst");
                    try
                    {
                        EventsRedaction.Rewrite(events, redacted, redactor);
                        eventsEntry = Add($"jobs/{job.Id}/events.bin.zst", redacted);
                        eventsFiles++;
                        if (job.Kind == JobKind.Brioche && SourceLines(events) is { Length: > 0 } lines)
                        {
                            sourceEntry = AddText($"jobs/{job.Id}/source.txt", redactor.Redact(lines));
                        }
                    }
                    catch (BriocheJobException e)
                    {
                        warnings.Add($"job {job.Id}: the events file is left out: {e.Message}");
                    }
                }

                int index = projects.FindIndex(p => p.Id == job.BuildProjectId);
                bundleJobs.Add(new BundleJob(job.Id, index < 0 ? null : index, Text(job.Kind), redactor.Redact(job.Name),
                    job.StartedAt, job.StoppedAt, job.State.ToString().ToLowerInvariant(), job.Result?.ToString().ToLowerInvariant(),
                    job.ExitCode, job.Signal, job.Message is null ? null : redactor.Redact(job.Message), job.Cached, job.RecipeHash,
                    RedactMeta(job.RecipeMeta, redactor), job.Pid, eventsEntry, sourceEntry));
            }

            var b = build.Build;
            var manifest = new BundleManifest
            {
                ExportedAt = now,
                ExportedBy = exportedBy,
                Build = new BundleBuild(b.Id, b.ExternalId, b.Origin.ToString().ToLowerInvariant(), b.WorkingDirectory, b.StartedAt,
                    b.StoppedAt, b.State.ToString().ToLowerInvariant(), b.Result?.ToString().ToLowerInvariant()),
                Projects = bundleProjects,
                Jobs = bundleJobs,
                Redacted = redactor.Report(),
                Entries = entries.ToDictionary(e => e.Name, e => Sha256(e.File), StringComparer.Ordinal),
            };
            var manifestFile = AddText(BundleManifest.EntryName, JsonSerializer.Serialize(manifest, BundleJsonContext.Default.BundleManifest));
            _ = manifestFile;

            var partial = outputPath + ".partial-" + Environment.ProcessId;
            try
            {
                using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write))
                using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
                using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
                {
                    // The manifest goes last: a reader trusts nothing until it has read it and checked every hash.
                    foreach (var (name, path) in entries)
                    {
                        tar.WriteEntry(path, name);
                    }
                }

                File.Move(partial, outputPath, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                File.Delete(partial);
                throw Catalog.Commands.BundleWriteFailed.ExceptionFrom(e, outputPath, e.Message);
            }

            return new ExportResult(outputPath, new FileInfo(outputPath).Length, b.Id, projects.Count, bundleJobs.Count, eventsFiles,
                manifest.Redacted, warnings);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static string Text(JobKind kind) => kind.ToString().ToLowerInvariant();

    private static string? DockerfileOf(ProjectRecord project, IReadOnlyList<JobView> jobs) =>
        jobs.Where(j => j.Job.BuildProjectId == project.Id).Select(j => DockerStepMeta.TryParse(j.Job.RecipeMeta)?.Dockerfile)
            .FirstOrDefault(d => d is not null) ?? project.LocalProjectPath;

    private static string? RedactMeta(string? meta, SecretRedactor redactor)
    {
        if (meta is null)
        {
            return null;
        }

        if (DockerStepMeta.TryParse(meta) is { BuildArgs: { } args } docker)
        {
            var masked = args.ToDictionary(a => a.Key, a => redactor.IsSecretName(a.Key) ? SecretRedactor.Mask : a.Value);
            meta = (docker with { BuildArgs = masked }).ToJson();
        }

        return redactor.Redact(meta);
    }

    /// <summary>The project-file lines each stack frame names (with two lines either side), for files that are here.</summary>
    private static string SourceLines(string eventsPath)
    {
        var description = ProcessEventsReader.ReadDescription(eventsPath);
        var text = new StringBuilder();
        foreach (var frame in description.Meta.Source ?? [])
        {
            var file = frame.FileName is { } name && name.StartsWith("file://", StringComparison.Ordinal) ? name["file://".Length..] : frame.FileName;
            if (file is null || frame.LineNumber is not { } line || !System.IO.Path.IsPathRooted(file) || !File.Exists(file))
            {
                continue;
            }

            var lines = File.ReadAllLines(file);
            text.Append("== ").Append(frame.ToDisplayString()).Append(" (").Append(file).Append(")\n");
            for (long n = Math.Max(1, line - SourceContextLines); n <= Math.Min(lines.Length, line + SourceContextLines); n++)
            {
                text.Append(n == line ? "> " : "  ").Append(n).Append(": ").Append(lines[n - 1]).Append('\n');
            }
        }

        return text.ToString();
    }

    internal static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
