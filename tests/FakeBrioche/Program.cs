// TEST-ONLY STAND-IN FOR `brioche build`. Brioche cannot be installed on these machines, so the end-to-end tests of
// BriocheBuild run this instead. It takes the same arguments, prints the same error text, returns the same exit
// codes and lays out $BRIOCHE_DATA_DIR/process-temp the same way, running real processes (/bin/sh -c) described by
// the project's fake-brioche.json (see Scenario) and writing their events with our own writer. Not a product.

using System.Diagnostics;
using FakeBrioche;

return await FakeBriocheProgram.MainAsync(args);

internal sealed record ProjectRefSpec(string Source, bool IsRegistry, string Export)
{
    /// <summary>How Brioche names the project in its messages.</summary>
    public string Display => IsRegistry ? $"registry project '{Source}'" : $"project '{Source}'";
}

/// <summary>A loaded project: its folder, <c>project.bri</c> and name.</summary>
internal sealed record ProjectContext(string Directory, string ProjectFile, string Name, Scenario Scenario);

internal static class FakeBriocheProgram
{
    /// <summary>Test-only: where registry projects resolve (<c>$FAKE_BRIOCHE_REGISTRY/&lt;name&gt;/</c>).</summary>
    public const string RegistryVariable = "FAKE_BRIOCHE_REGISTRY";

    /// <summary>Test-only: when set, each invocation appends its arguments (one line, tab-separated) to this file.</summary>
    public const string ArgsLogVariable = "FAKE_BRIOCHE_ARGS_LOG";

    public static async Task<int> MainAsync(string[] args)
    {
        if (Environment.GetEnvironmentVariable(ArgsLogVariable) is { Length: > 0 } argsLog)
        {
            File.AppendAllText(argsLog, string.Join('\t', args) + "\n");
        }

        if (args.Length == 0 || args[0] != "build")
        {
            Console.Error.WriteLine("error: this test stand-in only implements `brioche build`");
            return 2;
        }

        BuildArgs parsed;
        try
        {
            parsed = BuildArgs.Parse(args[1..]);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }

        var dataDir = Environment.GetEnvironmentVariable("BRIOCHE_DATA_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "brioche");
        Directory.CreateDirectory(Path.Combine(dataDir, "process-temp"));

        var clock = Stopwatch.StartNew();
        var failed = false;
        var jobCount = 0;
        for (var i = 0; i < parsed.Refs.Count; i++)
        {
            var projectRef = parsed.Refs[i];
            var output = parsed.Output is null ? null : i == 0 ? parsed.Output : $"{parsed.Output}-{i}";
            try
            {
                var project = Load(projectRef, parsed.Locked);
                if (parsed.Check)
                {
                    Console.Error.WriteLine("No errors found");
                }

                jobCount += await BuildAsync(dataDir, projectRef, project, output, parsed.KeepTemps, clock);
            }
            catch (BakeFailure failure)
            {
                // Brioche's consolidate_result: the project, then the error chain joined by ": ".
                Console.Error.WriteLine($"Error occurred with {projectRef.Display}: {failure.Message}");
                failed = true;
            }
        }

        return failed ? 1 : 0;
    }

    private static ProjectContext Load(ProjectRefSpec projectRef, bool locked)
    {
        string directory;
        if (projectRef.IsRegistry)
        {
            var registry = Environment.GetEnvironmentVariable(RegistryVariable);
            directory = string.IsNullOrEmpty(registry) ? "" : Path.Combine(registry, projectRef.Source);
            if (!Directory.Exists(directory))
            {
                throw new BakeFailure($"failed to fetch project '{projectRef.Source}' from registry: project not found");
            }
        }
        else
        {
            directory = Path.GetFullPath(projectRef.Source);
        }

        var projectFile = Path.Combine(directory, "project.bri");
        if (!File.Exists(projectFile))
        {
            throw new BakeFailure($"failed to load project: {projectFile}: No such file or directory (os error 2)");
        }

        if (locked && !File.Exists(Path.Combine(directory, "brioche.lock")))
        {
            throw new BakeFailure("lockfile is out of date: brioche.lock would be updated but --locked was passed");
        }

        Scenario scenario;
        try
        {
            scenario = Scenario.Load(directory);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
        {
            throw new BakeFailure($"failed to evaluate project: {e.Message}");
        }

        return new ProjectContext(directory, projectFile, scenario.Name ?? Path.GetFileName(directory.TrimEnd('/')), scenario);
    }

    private static async Task<int> BuildAsync(string dataDir, ProjectRefSpec projectRef, ProjectContext project, string? output,
        bool keepTemps, Stopwatch clock)
    {
        if (!project.Scenario.Exports.TryGetValue(projectRef.Export, out var export))
        {
            throw new BakeFailure($"failed to evaluate project: export '{projectRef.Export}' not found in module");
        }

        for (var i = 0; i < export.Processes.Count; i++)
        {
            export.Processes[i].Index = i;
        }

        using var slots = new SemaphoreSlim(Math.Max(1, export.Concurrency));
        var results = new List<Task<BakeResult>>();
        BakeResult? firstFailure = null;
        foreach (var process in export.Processes)
        {
            await slots.WaitAsync();
            if (Volatile.Read(ref firstFailure) is not null)
            {
                slots.Release();
                break;
            }

            results.Add(Task.Run(async () =>
            {
                try
                {
                    var result = await ProcessBake.RunAsync(dataDir, project, process, keepTemps);
                    if (result.ExitCode != 0)
                    {
                        Interlocked.CompareExchange(ref firstFailure, result, null);
                    }

                    return result;
                }
                finally
                {
                    slots.Release();
                }
            }));
        }

        var baked = await Task.WhenAll(results);
        if (firstFailure is { } failure)
        {
            throw new BakeFailure(
                $"failed to bake process: process failed, view full output by running `brioche jobs logs {failure.EventsPath}`");
        }

        var seconds = clock.Elapsed.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        var jobs = baked.Length switch { 0 => "(no new jobs)", 1 => "1 job", var n => $"{n} jobs" };
        Console.Error.WriteLine($"Build finished, completed {jobs} in {seconds}s");
        Console.Out.WriteLine($"Result: {Guid.NewGuid():N}{Guid.NewGuid():N}");
        if (output is not null)
        {
            Console.Error.WriteLine($"Writing output to {output}");
            Directory.CreateDirectory(output);
            File.WriteAllText(Path.Combine(output, "brioche-fake-output.txt"), $"{project.Name}^{projectRef.Export}\n");
            Console.Error.WriteLine($"Wrote output to {output}");
        }

        return baked.Length;
    }
}

/// <summary>A project error, reported as Brioche's <c>Error occurred with …</c> line.</summary>
internal sealed class BakeFailure(string message) : Exception(message);

/// <summary>`brioche build`'s arguments: positional refs, or the (deprecated but accepted) -p/-r/-e, plus flags.</summary>
internal sealed class BuildArgs
{
    public List<ProjectRefSpec> Refs { get; } = [];

    public string? Output { get; private set; }

    public bool Check { get; private set; }

    public bool Locked { get; private set; }

    public bool KeepTemps { get; private set; }

    public static BuildArgs Parse(IReadOnlyList<string> args)
    {
        var result = new BuildArgs();
        string? project = null, registry = null, export = null;
        var positional = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"a value is required for '{arg}'");
            switch (arg)
            {
                case "-p" or "--project": project = Value(); break;
                case "-r" or "--registry": registry = Value(); break;
                case "-e" or "--export": export = Value(); break;
                case "-o" or "--output": result.Output = Value(); break;
                case "--check": result.Check = true; break;
                case "--locked": result.Locked = true; break;
                case "--keep-temps": result.KeepTemps = true; break;
                case "--replace" or "--merge" or "--sync": break;
                case "--display": Value(); break;
                default:
                    if (arg.StartsWith("--display=", StringComparison.Ordinal))
                    {
                        break;
                    }

                    if (arg.StartsWith('-') && arg != "-")
                    {
                        throw new ArgumentException($"unexpected argument '{arg}' found");
                    }

                    positional.Add(arg);
                    break;
            }
        }

        if (project is not null && registry is not null)
        {
            throw new ArgumentException("the argument '--project <PROJECT>' cannot be used with '--registry <REGISTRY>'");
        }

        if (positional.Count > 0 && (project ?? registry ?? export) is not null)
        {
            throw new ArgumentException("positional project references cannot be used with '--project', '--registry' or '--export'");
        }

        if (positional.Count == 0)
        {
            result.Refs.Add(registry is not null
                ? new ProjectRefSpec(registry, true, export ?? "default")
                : new ProjectRefSpec(project ?? ".", false, export ?? "default"));
            return result;
        }

        foreach (var text in positional)
        {
            var caret = text.IndexOf('^');
            var source = caret < 0 ? text : text[..caret];
            var exports = caret < 0 ? ["default"] : text[(caret + 1)..].Split(',');
            if (exports.Any(string.IsNullOrEmpty))
            {
                throw new ArgumentException($"empty export name in '{text}'");
            }

            bool isLocal = source.Length == 0 || source is "." or ".." || source.StartsWith("./") || source.StartsWith("../") || source.StartsWith('/');
            if (!isLocal && source.Contains('/'))
            {
                throw new ArgumentException($"paths must start with './' or '../'. Did you mean \"./{source}\"?");
            }

            foreach (var name in exports)
            {
                var spec = new ProjectRefSpec(source.Length == 0 ? "." : source, !isLocal, name);
                if (!result.Refs.Contains(spec))
                {
                    result.Refs.Add(spec);
                }
            }
        }

        return result;
    }
}
