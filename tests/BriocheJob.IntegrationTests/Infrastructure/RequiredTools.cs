namespace BriocheJob.IntegrationTests.Infrastructure;

/// <summary>
/// Host programs the tests need. A missing one fails the test with the fix (eng/prerequisites.sh); tests never skip.
/// </summary>
public static class RequiredTools
{
    public static string Require(string program)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"'{program}' is not on PATH: run eng/prerequisites.sh (it installs zstd and b3sum)");
    }
}
