using System.Reflection;

namespace BriocheJob.IntegrationTests.Infrastructure;

/// <summary>
/// Where the repository and the build outputs of this test run live. The test project stamps its repository root,
/// configuration and target framework into its assembly, so end-to-end tests run the artefacts of the same build
/// (Debug from `dotnet test`, Release from eng/test.sh).
/// </summary>
public static class RepositoryLayout
{
    private static readonly Assembly TestAssembly = typeof(RepositoryLayout).Assembly;

    public static string Root { get; } = Path.GetFullPath(Metadata("RepositoryRoot"));

    public static string Configuration { get; } = Metadata("Configuration");

    public static string TargetFramework { get; } = Metadata("TargetFramework");

    /// <summary>The output folder of a project in this repository, e.g. <c>tasks/BriocheJob.Tasks</c>.</summary>
    public static string OutputOf(string projectFolder) =>
        Path.Combine(Root, projectFolder, "bin", Configuration, TargetFramework);

    /// <summary>The built MSBuild tasks assembly (with its dependencies beside it).</summary>
    public static string TasksAssembly => RequireFile(Path.Combine(OutputOf("tasks/BriocheJob.Tasks"), "BriocheJob.Tasks.dll"));

    /// <summary>The real targets file the package ships.</summary>
    public static string TasksTargets => RequireFile(Path.Combine(Root, "tasks/BriocheJob.Tasks/build/BriocheJob.Tasks.targets"));

    /// <summary>The built CLI, run as <c>dotnet dotnet-brioche-job.dll</c>.</summary>
    public static string CliAssembly => RequireFile(Path.Combine(OutputOf("tool/BriocheJob.Cli"), "dotnet-brioche-job.dll"));

    /// <summary>The built Brioche stand-in (its apphost, so it can be passed as <c>BriocheExe</c>).</summary>
    public static string FakeBriocheExecutable =>
        RequireFile(Path.Combine(OutputOf("tests/FakeBrioche"), OperatingSystem.IsWindows() ? "FakeBrioche.exe" : "FakeBrioche"));

    public static string RequireFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} is missing: build the solution ({Configuration}) before running the end-to-end tests", path);
        }

        return path;
    }

    private static string Metadata(string key) =>
        TestAssembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"the test assembly has no '{key}' metadata (see the .csproj)");
}
