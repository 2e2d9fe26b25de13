using BriocheJob.Diagnostics;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.Tasks;

/// <summary>The text of BriocheBuild's diagnostics, kept apart from MSBuild so it can be tested directly.</summary>
internal static class BriocheBuildMessages
{
    /// <summary>
    /// <c>Brioche project 'NAME' failed: BRIOCHE'S MESSAGE. Job ID (NAME) failed with exit code N. Show its logs: dotnet brioche-job logs ID</c>
    /// (<see cref="Catalog.BriocheBuild.ProjectFailed"/>).
    /// </summary>
    public static string ProjectFailure(BriocheProjectOutcome outcome)
    {
        var project = outcome.Project;
        var what = project.IsRegistry ? $"registry project '{project.Source}'" : $"project '{project.Name}'";
        var why = outcome.FailureMessage is { Length: > 0 } brioche ? brioche : $"brioche exited with code {outcome.ExitCode}";
        return outcome.FailedJob is { } job
            ? Catalog.BriocheBuild.ProjectFailed.Message(what, why,
                job.Name is { Length: > 0 } name ? $"{job.Id} ({name})" : job.Id, Status(job), job.Id)
            : Catalog.BriocheBuild.NoJobFailed.Message(what, why);
    }

    public static string Status(JobRecord job) => job switch
    {
        { State: RunState.Cancelled } => "was cancelled",
        { Signal: { } signal } => $"was killed by signal {signal}",
        { ExitCode: { } code and not 0 } => $"failed with exit code {code}",
        { Result: RunResult.Failed, Message: { } message } => $"failed: {message}",
        { Result: RunResult.Succeeded } => "succeeded",
        { Result: RunResult.Failed } => "failed",
        _ => job.State.ToString().ToLowerInvariant(),
    };

    /// <summary>The line and column of the failing recipe in the project's <c>project.bri</c>, when its stack names that file.</summary>
    public static (int Line, int Column) SourceLocation(BriocheProjectSpec project, JobRecord? job)
    {
        if (project.ProjectFile is null || job?.RecipeMeta is null)
        {
            return (0, 0);
        }

        try
        {
            var meta = System.Text.Json.JsonDocument.Parse(job.RecipeMeta);
            if (!meta.RootElement.TryGetProperty("source", out var source) || source.ValueKind != System.Text.Json.JsonValueKind.Array)
            {
                return (0, 0);
            }

            foreach (var frame in source.EnumerateArray())
            {
                var file = frame.TryGetProperty("fileName", out var f) && f.ValueKind == System.Text.Json.JsonValueKind.String ? f.GetString() : null;
                if (file is null)
                {
                    continue;
                }

                var path = file.StartsWith("file://", StringComparison.Ordinal) ? Uri.UnescapeDataString(file["file://".Length..]) : file;
                if (!string.Equals(Path.GetFullPath(path, project.LocalDirectory!), project.ProjectFile, StringComparison.Ordinal))
                {
                    continue;
                }

                var line = frame.TryGetProperty("lineNumber", out var l) && l.ValueKind == System.Text.Json.JsonValueKind.Number && l.TryGetInt32(out var ln) ? ln : 0;
                var column = frame.TryGetProperty("columnNumber", out var c) && c.ValueKind == System.Text.Json.JsonValueKind.Number && c.TryGetInt32(out var cn) ? cn : 0;
                return (line, column);
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return (0, 0);
    }
}
