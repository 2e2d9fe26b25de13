using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using BriocheJob.Brioche;
using BriocheJob.Store;

namespace FakeBrioche;

/// <summary>The outcome of baking one process: its job folder, events file and exit code.</summary>
internal sealed record BakeResult(string JobId, string EventsPath, int ExitCode);

/// <summary>
/// TEST-ONLY. Bakes one process recipe the way Brioche lays it out: <c>process-temp/&lt;ULID&gt;/</c> with
/// <c>events.bin.zst</c> (our writer: Description in frame 0 before the process starts, then Spawned, output, exit),
/// <c>root/</c> (the process's working folder) and <c>outputs/output-&lt;recipe hash&gt;</c>. The folder is removed
/// on success unless <c>--keep-temps</c>, and kept on failure.
/// </summary>
internal static class ProcessBake
{
    private const string Path_ = "/usr/bin:/bin";

    public static async Task<BakeResult> RunAsync(string dataDir, ProjectContext project, ScenarioProcess recipeProcess, bool keepTemps)
    {
        var recipe = BuildRecipe(recipeProcess);
        var recipeHash = RecipeHash.Compute(recipe);

        var jobId = Ulid.NewUlid();
        var folder = Path.Combine(dataDir, "process-temp", jobId);
        var root = Directory.CreateDirectory(Path.Combine(folder, "root")).FullName;
        var outputs = Directory.CreateDirectory(Path.Combine(folder, "outputs")).FullName;
        var outputDir = Path.Combine(outputs, "output-" + recipeHash);
        var eventsPath = Path.Combine(folder, "events.bin.zst");

        var env = new Dictionary<string, string>(recipeProcess.Env)
        {
            ["BRIOCHE_OUTPUT"] = outputDir,
        };
        env.TryAdd("PATH", Path_);

        var description = new ProcessDescription
        {
            Recipe = recipe,
            Meta = new ProcessMeta
            {
                Source =
                [
                    new RecipeStackFrame
                    {
                        FileName = $"file://{project.ProjectFile}",
                        LineNumber = recipeProcess.Line ?? 1 + 2 * recipeProcess.Index,
                        ColumnNumber = 10,
                        ProjectName = project.Name,
                        ModulePath = "./project.bri",
                    },
                ],
            },
            SandboxConfig = new SandboxConfig
            {
                SandboxRoot = root,
                Command = ProcessTemplate.Literal("/bin/sh"),
                Args = [ProcessTemplate.Literal("-c"), ProcessTemplate.Literal(recipeProcess.Command)],
                Env = env.ToDictionary(e => e.Key, e => ProcessTemplate.Literal(e.Value)),
                CurrentDir = ProcessTemplate.Literal(root),
                Networking = false,
                UidHint = 0,
                GidHint = 0,
            },
            RootDir = root,
            OutputDir = outputDir,
        };
        description.SetCreatedAt(DateTimeOffset.Now, LocalZoneName());

        int exitCode;
        using (var writer = ProcessEventsWriter.Create(eventsPath, description))
        {
            var start = new ProcessStartInfo("/bin/sh")
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(recipeProcess.Command);
            start.Environment.Clear();
            foreach (var (name, value) in env)
            {
                start.Environment[name] = value;
            }

            using var process = Process.Start(start)!;
            process.StandardInput.Close();
            writer.WriteSpawned((uint)process.Id);
            var stdout = PumpAsync(process.StandardOutput.BaseStream, writer, OutputStream.Stdout);
            var stderr = PumpAsync(process.StandardError.BaseStream, writer, OutputStream.Stderr);
            await process.WaitForExitAsync();
            await Task.WhenAll(stdout, stderr);
            exitCode = process.ExitCode;
            writer.WriteExited(exitCode);
        }

        if (exitCode == 0 && !keepTemps)
        {
            Directory.Delete(folder, recursive: true);
        }

        return new BakeResult(jobId, eventsPath, exitCode);
    }

    private static async Task PumpAsync(Stream source, ProcessEventsWriter writer, OutputStream stream)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await source.ReadAsync(buffer)) > 0)
        {
            writer.WriteOutput(stream, buffer.AsSpan(0, read), writer.ElapsedMilliseconds);
        }
    }

    /// <summary>A complete_process recipe in Brioche's shape, strings tick-encoded.</summary>
    private static JsonElement BuildRecipe(ScenarioProcess process)
    {
        static JsonObject Literal(string text) => new()
        {
            ["components"] = new JsonArray(new JsonObject { ["type"] = "literal", ["value"] = TickEncoding.Encode(text) }),
        };

        var env = new JsonObject();
        foreach (var (name, value) in process.Env.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            env[name] = Literal(value);
        }

        var recipe = new JsonObject
        {
            ["type"] = "complete_process",
            ["command"] = Literal("/bin/sh"),
            ["args"] = new JsonArray(Literal("-c"), Literal(process.Command)),
            ["env"] = env,
            ["currentDir"] = new JsonObject { ["type"] = "work_dir" },
            ["outputScaffold"] = null,
            ["platform"] = "x86_64-linux",
            ["isUnsafe"] = false,
            ["networking"] = false,
        };
        return JsonSerializer.SerializeToElement(recipe);
    }

    /// <summary>The IANA zone for the <c>[Zone]</c> suffix; null lets the offset stand in for it.</summary>
    private static string? LocalZoneName()
    {
        var id = TimeZoneInfo.Local.Id;
        return id.Contains('/') || id == "UTC" ? id : null;
    }
}
