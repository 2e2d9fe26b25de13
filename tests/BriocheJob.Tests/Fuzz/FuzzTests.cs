using System.Globalization;

namespace BriocheJob.Tests.Fuzz;

/// <summary>
/// The bounded fuzz run of the unit suite: fixed seeds, so it is the same run every time. <c>eng/fuzz.sh MINUTES</c>
/// runs this same test with <c>BRIOCHE_JOB_FUZZ_MINUTES</c> set: then it runs for that long from fresh seeds, half of
/// the time on the engine and half on the whole CLI as a process, and writes its figures to
/// <c>BRIOCHE_JOB_FUZZ_REPORT</c>.
/// </summary>
public sealed class FuzzTests
{
    private const int Iterations = 600;

    [Fact]
    public void Every_fuzzed_input_either_succeeds_or_fails_with_a_coded_BriocheJobException()
    {
        using var harness = new FuzzHarness();
        var report = new FuzzReport();
        if (Environment.GetEnvironmentVariable("BRIOCHE_JOB_FUZZ_MINUTES") is { Length: > 0 } minutes)
        {
            var half = TimeSpan.FromMinutes(double.Parse(minutes, CultureInfo.InvariantCulture) / 2);
            int seed = int.TryParse(Environment.GetEnvironmentVariable("BRIOCHE_JOB_FUZZ_SEED"), CultureInfo.InvariantCulture, out int given)
                ? given
                : Random.Shared.Next(1_000_000, int.MaxValue / 2);
            harness.RunFor(report, half, seed);
            harness.RunCliFor(report, half, seed);
            if (Environment.GetEnvironmentVariable("BRIOCHE_JOB_FUZZ_REPORT") is { Length: > 0 } path)
            {
                File.WriteAllLines(path, [$"first seed {seed}", report.Summary(), .. report.Crashes.Select(c => "crash: " + c), .. report.Hangs.Select(h => "hang: " + h)]);
            }
        }
        else
        {
            // The seeds are fixed; the time bound only keeps a very slow machine under about a minute.
            harness.RunIterations(report, Iterations, firstSeed: 0, budget: TimeSpan.FromSeconds(50));
            report.RunsByTarget.Keys.ShouldBe(harness.TargetNames, ignoreOrder: true);
            report.RunsByTarget.Values.ShouldAllBe(runs => runs >= 100, report.Summary());
        }

        report.Crashes.ShouldBeEmpty(report.Summary());
        report.Hangs.ShouldBeEmpty(report.Summary());
    }
}
