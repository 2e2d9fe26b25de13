using System.Text.Json;
using BriocheJob.IntegrationTests.Infrastructure;

namespace BriocheJob.IntegrationTests.Brioche;

/// <summary>One process of a stand-in scenario (see tests/FakeBrioche/Scenario.cs).</summary>
public sealed record FakeProcess(string Command, IReadOnlyDictionary<string, string>? Env = null, int? Line = null);

/// <summary>
/// Writes a Brioche project folder for the stand-in: a <c>project.bri</c> (one line per recipe, so stack frames
/// point at real lines) and <c>fake-brioche.json</c> with each export's processes.
/// </summary>
public static class FakeBriocheProject
{
    public static string Write(string folder, string name, IReadOnlyList<FakeProcess> processes, int concurrency = 1, string export = "default")
        => Write(folder, name, new Dictionary<string, (IReadOnlyList<FakeProcess>, int)> { [export] = (processes, concurrency) });

    public static string Write(string folder, string name, IReadOnlyDictionary<string, (IReadOnlyList<FakeProcess> Processes, int Concurrency)> exports)
    {
        Directory.CreateDirectory(folder);
        var bri = new List<string> { "import * as std from \"std\";", "" };
        var scenarioExports = new Dictionary<string, object>();
        foreach (var (export, (processes, concurrency)) in exports)
        {
            bri.Add($"export {(export == "default" ? "default" : $"const {export} =")} () => {{");
            var entries = new List<object>();
            foreach (var process in processes)
            {
                bri.Add($"  std.process({{ command: \"/bin/sh\", args: [\"-c\", {JsonSerializer.Serialize(process.Command)}] }});");
                entries.Add(new { command = process.Command, env = process.Env ?? new Dictionary<string, string>(), line = process.Line ?? bri.Count });
            }

            bri.Add("};");
            scenarioExports[export] = new { concurrency, processes = entries };
        }

        File.WriteAllLines(Path.Combine(folder, "project.bri"), bri);
        File.WriteAllText(Path.Combine(folder, "fake-brioche.json"), JsonSerializer.Serialize(new { name, exports = scenarioExports }));
        return folder;
    }

    /// <summary>The stand-in, checked for, with b3sum (which it needs for recipe hashes).</summary>
    public static string Executable
    {
        get
        {
            RequiredTools.Require("b3sum");
            return RepositoryLayout.FakeBriocheExecutable;
        }
    }
}
