using System.Text.Json;
using System.Text.Json.Serialization;

namespace FakeBrioche;

/// <summary>
/// TEST-ONLY. <c>fake-brioche.json</c> next to a project's <c>project.bri</c>: what each export "bakes".
/// <code>
/// {
///   "name": "hello",                       // Brioche project name (default: the folder name)
///   "exports": {
///     "default": {
///       "concurrency": 1,                  // processes baked at once (default 1)
///       "processes": [
///         { "command": "echo hi; exit 3",  // run as /bin/sh -c COMMAND in the job's root/
///           "env": { "GREETING": "hi" },   // added to PATH=/usr/bin:/bin and BRIOCHE_OUTPUT
///           "line": 4 }                    // project.bri line of the recipe's stack frame (default: 1 + 2·index)
///       ]
///     }
///   }
/// }
/// </code>
/// A project without the file bakes nothing and succeeds.
/// </summary>
internal sealed class Scenario
{
    public const string FileName = "fake-brioche.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public string? Name { get; set; }

    public Dictionary<string, ScenarioExport> Exports { get; set; } = new();

    public static Scenario Load(string projectDirectory)
    {
        var path = Path.Combine(projectDirectory, FileName);
        if (!File.Exists(path))
        {
            return new Scenario { Exports = { ["default"] = new ScenarioExport() } };
        }

        return JsonSerializer.Deserialize<Scenario>(File.ReadAllText(path), Options)
            ?? throw new InvalidDataException($"{path} is empty");
    }
}

internal sealed class ScenarioExport
{
    public int Concurrency { get; set; } = 1;

    public List<ScenarioProcess> Processes { get; set; } = [];
}

internal sealed class ScenarioProcess
{
    public string Command { get; set; } = "true";

    public Dictionary<string, string> Env { get; set; } = new();

    public int? Line { get; set; }

    [JsonIgnore]
    public int Index { get; set; }
}
