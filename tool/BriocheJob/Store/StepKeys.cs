using System.Globalization;
using System.Text.Json;

namespace BriocheJob.Store;

/// <summary>
/// The step key: which job is "the same job" in another build, stable across builds and across an edit of the step
/// itself. Stored in <c>jobs.step_key</c> (indexed) when a job is saved, so the history commands find the previous
/// run of a step with one index lookup.
/// <list type="bullet">
/// <item>Docker: <c>PROJECT:STAGE:N</c>, the project (image) name, the stage's name (its AS name, else
/// <c>stage-INDEX</c>) and the instruction's position within the stage (BuildKit's <c>[stage N/total]</c>).
/// Vertices that are not Dockerfile instructions (<c>[internal] load build definition</c>) use their name:
/// <c>PROJECT:vertex:NAME</c>.</item>
/// <item>Brioche: <c>PROJECT:FRAME</c>, the project name and the outermost frame of the recipe's stack trace that lies
/// in the project (<c>hello/project.bri:4:10</c>), falling back to the command line: <c>PROJECT:cmd:COMMAND</c>.</item>
/// </list>
/// </summary>
public static class StepKeys
{
    /// <summary>The key of a job as stored; null when nothing identifies it.</summary>
    public static string? Of(JobView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.StoredStepKey ?? Of(view.Job, view.Project);
    }

    public static string? Of(JobRecord job, ProjectRecord? project)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Compute(job.Kind, ProjectName(project?.Name, project?.RegistryProjectName, project?.LocalProjectPath),
            project?.LocalProjectPath, job.Name, job.RecipeMeta);
    }

    /// <summary>The name a project goes by in keys: its name, else its registry name, else its path.</summary>
    public static string ProjectName(string? name, string? registryName, string? localPath) =>
        name ?? registryName ?? localPath ?? "";

    public static string? Compute(JobKind kind, string projectName, string? projectPath, string? jobName, string? recipeMeta)
    {
        try
        {
            return kind == JobKind.Docker
                ? DockerKey(projectName, jobName, recipeMeta)
                : BriocheKey(projectName, projectPath, jobName, recipeMeta);
        }
        catch (JsonException)
        {
            return jobName is null ? null : $"{projectName}:cmd:{jobName}";
        }
    }

    private static string? DockerKey(string project, string? jobName, string? recipeMeta)
    {
        string? stage = null;
        int? stageIndex = null;
        string? step = null;
        string? vertex = null;
        if (!string.IsNullOrWhiteSpace(recipeMeta))
        {
            using JsonDocument doc = JsonDocument.Parse(recipeMeta);
            JsonElement root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                stage = String(root, "stage");
                stageIndex = root.TryGetProperty("stageIndex", out JsonElement i) && i.ValueKind == JsonValueKind.Number
                    ? i.GetInt32() : null;
                step = String(root, "step");
                vertex = String(root, "vertex");
            }
        }

        if (step is not null)
        {
            int slash = step.IndexOf('/', StringComparison.Ordinal);
            string position = slash < 0 ? step : step[..slash];
            // An unnamed stage shows as [N/total] in a one-stage build and [stage-K N/total] in a multi-stage one.
            stage ??= stageIndex is { } index ? $"stage-{index.ToString(CultureInfo.InvariantCulture)}" : "stage-0";
            return $"{project}:{stage}:{position}";
        }

        string? name = vertex ?? jobName;
        return name is null ? null : $"{project}:vertex:{name}";
    }

    private static string? BriocheKey(string project, string? projectPath, string? jobName, string? recipeMeta)
    {
        if (!string.IsNullOrWhiteSpace(recipeMeta))
        {
            using JsonDocument doc = JsonDocument.Parse(recipeMeta);
            JsonElement root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("source", out JsonElement source)
                && source.ValueKind == JsonValueKind.Array)
            {
                // Frames run innermost first: the outermost frame in the project is the recipe the project asked for.
                string? directory = projectPath is null ? null : Path.TrimEndingDirectorySeparator(projectPath) + "/";
                for (int at = source.GetArrayLength() - 1; at >= 0; at--)
                {
                    JsonElement frame = source[at];
                    if (frame.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    string? frameProject = String(frame, "projectName");
                    string? fileName = String(frame, "fileName");
                    string? filePath = fileName is not null && fileName.StartsWith("file://", StringComparison.Ordinal)
                        ? fileName["file://".Length..] : fileName;
                    bool inProject = string.Equals(frameProject, project, StringComparison.OrdinalIgnoreCase)
                        || (directory is not null && filePath is not null
                            && filePath.StartsWith(directory, StringComparison.Ordinal));
                    if (inProject)
                    {
                        return $"{project}:{FrameText(frame, frameProject, filePath, directory)}";
                    }
                }
            }
        }

        return jobName is null ? null : $"{project}:cmd:{jobName}";
    }

    /// <summary><c>project/module:line:col</c> as Brioche prints frames; a bare path is made relative to the project.</summary>
    private static string FrameText(JsonElement frame, string? frameProject, string? filePath, string? directory)
    {
        string? module = String(frame, "modulePath");
        string location;
        if (frameProject is not null && module is not null)
        {
            location = $"{frameProject}/{(module.StartsWith("./", StringComparison.Ordinal) ? module[2..] : module)}";
        }
        else if (filePath is not null && directory is not null && filePath.StartsWith(directory, StringComparison.Ordinal))
        {
            location = filePath[directory.Length..];
        }
        else
        {
            location = filePath ?? module ?? "<unknown>";
        }

        if (frame.TryGetProperty("lineNumber", out JsonElement line) && line.ValueKind == JsonValueKind.Number)
        {
            location += ":" + line.GetRawText();
            if (frame.TryGetProperty("columnNumber", out JsonElement column) && column.ValueKind == JsonValueKind.Number)
            {
                location += ":" + column.GetRawText();
            }
        }

        return location;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
