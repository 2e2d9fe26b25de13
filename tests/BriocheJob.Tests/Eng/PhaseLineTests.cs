using System.Diagnostics;
using System.Text.RegularExpressions;
using BriocheJob.Tests.Brioche;

namespace BriocheJob.Tests.Eng;

/// <summary>The eng/ scripts never stay silent for minutes: each long step is announced with its expected length.</summary>
public sealed partial class PhaseLineTests
{
    private static string EngDir => Path.Combine(Path.GetDirectoryName(Fixtures.FixturesDir)!, "..", "eng");

    [Theory]
    [InlineData("test.sh")]
    [InlineData("try-it.sh")]
    [InlineData("pack.sh")]
    public void Every_long_step_of_an_eng_script_is_announced_by_a_phase_line(string script)
    {
        string[] lines = File.ReadAllLines(Path.Combine(EngDir, script));
        lines.ShouldContain("source eng/phase.sh");
        var unannounced = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (!LongStep().IsMatch(lines[i]))
            {
                continue;
            }

            // The phase line is the step's own line or one of the few before it (a case, a comment or a sibling step).
            bool announced = lines.Skip(Math.Max(0, i - 6)).Take(Math.Min(i, 6) + 1).Any(l => l.TrimStart().StartsWith("phase ", StringComparison.Ordinal));
            if (!announced)
            {
                unannounced.Add($"{script}:{i + 1}: {lines[i].Trim()}");
            }
        }

        unannounced.ShouldBeEmpty();
    }

    [Fact]
    public void A_phase_line_names_the_phase_and_its_expected_length()
    {
        var start = new ProcessStartInfo("bash", ["-c", $"source '{Path.Combine(EngDir, "phase.sh")}' && phase 'building the solution' 'about 1m30s'"])
        {
            RedirectStandardOutput = true,
        };
        using Process bash = Process.Start(start)!;
        string output = bash.StandardOutput.ReadToEnd();
        bash.WaitForExit();
        bash.ExitCode.ShouldBe(0);
        output.ShouldMatch(@"^== \d\d:\d\d:\d\d building the solution \(expect about 1m30s\)\n$");
    }

    // `dotnet build|test|pack|restore`, `dotnet tool restore` and the eng/ scripts that install or start things.
    [GeneratedRegex(@"^\s*(dotnet (build|test|pack|restore|tool restore)\b|bash eng/(prerequisites|docker-engine)\.sh)")]
    private static partial Regex LongStep();
}
