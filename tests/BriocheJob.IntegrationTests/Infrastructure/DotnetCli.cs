namespace BriocheJob.IntegrationTests.Infrastructure;

/// <summary>
/// Runs <c>dotnet build</c> on generated projects and the built <c>dotnet-brioche-job</c>, isolated from the test
/// host: no node reuse or build server (so the tasks assembly is not held by a lingering node), plain console output,
/// English messages, and none of the MSBuild variables the test host may have inherited.
/// </summary>
public static class DotnetCli
{
    /// <summary>Inherited variables that would point a child build at the test host's MSBuild.</summary>
    private static readonly string[] HostMSBuildVariables = ["MSBuild", "MSBUILD", "VSTEST", "DOTNET_HOST_PATH"];

    public static IReadOnlyDictionary<string, string?> IsolatedEnvironment(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_CLI_UI_LANGUAGE"] = "en",
            ["UseSharedCompilation"] = "false",
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>
    /// <c>dotnet build PROJECT -nodeReuse:false -p:UseSharedCompilation=false -tl:off -v:n</c> plus
    /// <paramref name="extraArguments"/>, with <paramref name="environment"/> added to the isolated environment.
    /// </summary>
    public static Task<ProcessResult> BuildAsync(
        string projectPath,
        IReadOnlyDictionary<string, string?>? environment = null,
        IEnumerable<string>? extraArguments = null,
        TimeSpan? timeout = null)
    {
        List<string> args =
        [
            "build", projectPath, "-nodeReuse:false", "-p:UseSharedCompilation=false", "-tl:off", "-v:n", "-nologo",
            .. extraArguments ?? [],
        ];
        return ProcessRunner.RunAsync("dotnet", args, new ProcessRunOptions
        {
            WorkingDirectory = Path.GetDirectoryName(projectPath),
            Environment = IsolatedEnvironment(environment),
            RemoveEnvironmentPrefixes = HostMSBuildVariables,
            Timeout = timeout ?? TimeSpan.FromMinutes(5),
        });
    }

    /// <summary>Runs the built CLI (<c>dotnet dotnet-brioche-job.dll ARGS</c>) against the data home <paramref name="home"/>.</summary>
    public static Task<ProcessResult> BriocheJobAsync(
        string home,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? standardInput = null)
    {
        var env = new Dictionary<string, string?>(IsolatedEnvironment(environment)) { ["BRIOCHE_JOB_HOME"] = home, ["NO_COLOR"] = "1" };
        return ProcessRunner.RunAsync("dotnet", [RepositoryLayout.CliAssembly, .. arguments], new ProcessRunOptions
        {
            Environment = env,
            RemoveEnvironmentPrefixes = HostMSBuildVariables,
            StandardInput = standardInput,
            Timeout = TimeSpan.FromMinutes(2),
        });
    }
}
