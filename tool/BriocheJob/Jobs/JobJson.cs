using System.Globalization;
using System.Text.Json.Serialization;
using BriocheJob.Store;

namespace BriocheJob.Jobs;

/// <summary>
/// The stable JSON shape of a job for <c>--json</c> output. Field names are camelCase and always present (null when
/// unknown); enum values are lower-case words as stored; times are UTC ISO-8601 with milliseconds. Add fields, never
/// rename or remove them.
/// </summary>
public record JobJson(
    string Id,
    string? ShortId,
    string? BuildId,
    string? BuildExternalId,
    string? Project,
    string? ProjectPath,
    string Kind,
    string? Name,
    string? Result,
    string State,
    string StartedAt,
    string? StoppedAt,
    long? DurationMs,
    string? RecipeHash,
    int? Pid,
    int? ExitCode,
    int? Signal,
    string? Message,
    bool Cached,
    string? LocalPath,
    string? StepKey,
    bool Flaky,
    long? OffsetMs)
{
    /// <summary>
    /// Maps a job; pass <paramref name="shortId"/> from <see cref="ShortIds"/> when listing several, and the
    /// recipe hashes known to be flaky (<c>IJobStore.FindFlakyRecipeHashes</c>) to fill <see cref="Flaky"/>.
    /// </summary>
    public static JobJson From(JobView view, string? shortId = null, IReadOnlySet<string>? flakyRecipes = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        JobRecord job = view.Job;
        ProjectRecord? project = view.Project;
        return new JobJson(
            Id: job.Id,
            ShortId: shortId,
            BuildId: view.Build?.Id ?? project?.BuildId,
            BuildExternalId: ExternalIds.Shown(view.Build?.ExternalId),
            Project: project is null ? null : project.Name ?? project.RegistryProjectName ?? project.LocalProjectPath,
            ProjectPath: project?.LocalProjectPath,
            Kind: StoreText.Of(job.Kind),
            Name: job.Name,
            Result: StoreText.Of(job.Result),
            State: StoreText.Of(job.State),
            StartedAt: FormatTime(job.StartedAt),
            StoppedAt: job.StoppedAt is { } stopped ? FormatTime(stopped) : null,
            DurationMs: job.Duration is { } duration ? (long)duration.TotalMilliseconds : null,
            RecipeHash: job.RecipeHash,
            Pid: job.Pid,
            ExitCode: job.ExitCode,
            Signal: job.Signal,
            Message: job.Message,
            Cached: job.Cached,
            LocalPath: job.LocalPath,
            StepKey: StepKeys.Of(view),
            Flaky: job.RecipeHash is { } hash && flakyRecipes?.Contains(hash) == true,
            OffsetMs: null);
    }

    /// <summary>Maps jobs shown together, each with its short id (unique in the whole <paramref name="store"/>).</summary>
    public static IReadOnlyList<JobJson> FromList(IJobStore store, IReadOnlyList<JobView> views, IReadOnlySet<string>? flakyRecipes = null)
    {
        IReadOnlyDictionary<string, string> shortIds = ShortIds.ForJobs(store, views.Select(v => v.Job.Id));
        return views.Select(v => From(v, shortIds[v.Job.Id], flakyRecipes)).ToList();
    }

    /// <summary>The flaky recipe hashes among these jobs, for <see cref="FromList"/>.</summary>
    public static IReadOnlySet<string> FlakyRecipes(IJobStore store, IEnumerable<JobView> views)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.FindFlakyRecipeHashes(views.Select(v => v.Job.RecipeHash).OfType<string>());
    }

    /// <summary>UTC, ISO-8601, always with milliseconds: <c>2025-03-01T12:00:00.123Z</c>.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>
/// <c>show --json</c>: every <see cref="JobJson"/> field, then what the events file adds: <c>stackTrace</c>,
/// <c>command</c>, <c>args</c>, <c>lastLines</c> (as in <c>logs --json</c>), <c>eventsPath</c> and <c>eventsProblem</c>.
/// </summary>
public sealed record JobDetailsJson(
    [property: JsonIgnore] JobJson Job,
    [property: JsonPropertyOrder(1)] IReadOnlyList<string> StackTrace,
    [property: JsonPropertyOrder(2)] string? Command,
    [property: JsonPropertyOrder(3)] IReadOnlyList<string> Args,
    [property: JsonPropertyOrder(4)] IReadOnlyList<LogLineJson> LastLines,
    [property: JsonPropertyOrder(5)] string? EventsPath,
    [property: JsonPropertyOrder(6)] string? EventsProblem) : JobJson(Job);

/// <summary>Source-generated serialization for <see cref="JobJson"/> (trimming- and AOT-safe).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(JobJson))]
[JsonSerializable(typeof(IReadOnlyList<JobJson>))]
[JsonSerializable(typeof(JobDetailsJson))]
public sealed partial class JobJsonContext : JsonSerializerContext;
