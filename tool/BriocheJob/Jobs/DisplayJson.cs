using System.Text.Json.Serialization;
using BriocheJob.Brioche;
using BriocheJob.Store;

namespace BriocheJob.Jobs;

/// <summary>
/// One line of <c>logs --json</c> (JSON Lines: one object per line). <see cref="Kind"/> is <c>stackFrame</c>,
/// <c>spawned</c>, <c>output</c>, <c>exit</c> or <c>endedAbruptly</c>; <see cref="Stream"/> is <c>stdout</c> or
/// <c>stderr</c> for output; <see cref="ElapsedMs"/> counts from the spawn, null for stack frames.
/// </summary>
public sealed record LogLineJson(string Kind, string? Stream, long? ElapsedMs, string Text)
{
    public static LogLineJson From(LogLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string kind = line.Kind switch
        {
            LogLineKind.StackFrame => "stackFrame",
            LogLineKind.Spawned => "spawned",
            LogLineKind.Output => "output",
            LogLineKind.Exit => "exit",
            _ => "endedAbruptly",
        };
        return new LogLineJson(kind, line.StreamName, line.ElapsedMilliseconds, line.Text);
    }
}

/// <summary>A build for <c>builds --json</c>: stable camelCase fields, always present.</summary>
public sealed record BuildJson(
    string Id,
    string? ExternalId,
    string Origin,
    string State,
    string? Result,
    string Outcome,
    string StartedAt,
    string? StoppedAt,
    long? DurationMs,
    string? WorkingDirectory,
    int? ProjectCount,
    int? JobCount,
    int? FailedJobCount,
    string? Host,
    string? User,
    string? GitCommit,
    string? GitBranch,
    string? CiSystem,
    string? CiRunId,
    string? CiRunUrl)
{
    public static BuildJson From(BuildRecord build, int? projects = null, int? jobs = null, int? failed = null)
    {
        ArgumentNullException.ThrowIfNull(build);
        BuildProvenance where = build.Provenance ?? BuildProvenance.None;
        return new BuildJson(
            build.Id,
            ExternalIds.Shown(build),
            StoreText.Of(build.Origin),
            StoreText.Of(build.State),
            StoreText.Of(build.Result),
            JobDisplay.Outcome(build.State, build.Result),
            JobJson.FormatTime(build.StartedAt),
            build.StoppedAt is { } stopped ? JobJson.FormatTime(stopped) : null,
            build.StoppedAt is { } end ? (long)(end - build.StartedAt).TotalMilliseconds : null,
            build.WorkingDirectory,
            projects,
            jobs,
            failed,
            where.Host,
            where.User,
            where.GitCommit,
            where.GitBranch,
            where.CiSystem,
            where.CiRunId,
            where.CiRunUrl);
    }

    public static BuildJson From(BuildSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return From(summary.Build, summary.ProjectCount, summary.JobCount, summary.FailedJobCount);
    }
}

/// <summary>A project of a build, for <c>builds show --json</c>.</summary>
public sealed record ProjectJson(long Id, string Kind, string? Name, string? ProjectHash, string? LocalProjectPath, string? RegistryProjectName)
{
    public static ProjectJson From(ProjectRecord project)
    {
        ArgumentNullException.ThrowIfNull(project);
        return new ProjectJson(project.Id, StoreText.Of(project.Kind), project.Name, project.ProjectHash,
            project.LocalProjectPath, project.RegistryProjectName);
    }
}

/// <summary><c>builds show --json</c>: the build, its projects and its jobs (most recent first).</summary>
public sealed record BuildDetailsJson(BuildJson Build, IReadOnlyList<ProjectJson> Projects, IReadOnlyList<JobJson> Jobs)
{
    public static BuildDetailsJson From(IJobStore store, BuildDetails details, IReadOnlySet<string>? flakyRecipes = null)
    {
        ArgumentNullException.ThrowIfNull(details);
        int failed = details.Jobs.Count(j => j.Job.Result == RunResult.Failed);
        return new BuildDetailsJson(
            BuildJson.From(details.Build, details.Projects.Count, details.Jobs.Count, failed),
            details.Projects.Select(ProjectJson.From).ToList(),
            JobJson.FromList(store, details.Jobs, flakyRecipes));
    }
}

/// <summary>Source-generated serialization for the command outputs other than <see cref="JobJson"/>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LogLineJson))]
[JsonSerializable(typeof(BuildJson))]
[JsonSerializable(typeof(IReadOnlyList<BuildJson>))]
[JsonSerializable(typeof(BuildDetailsJson))]
public sealed partial class DisplayJsonContext : JsonSerializerContext;
