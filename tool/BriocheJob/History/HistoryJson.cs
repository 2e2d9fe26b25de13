using System.Text.Json.Serialization;
using BriocheJob.Jobs;

namespace BriocheJob.History;

/// <summary><c>stats</c> of <c>builds show --json</c>.</summary>
public sealed record BuildStatsJson(long WallMs, long JobMs, double Parallelism, int CachedJobs)
{
    public static BuildStatsJson From(BuildStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return new BuildStatsJson(stats.WallMs, stats.JobMs, stats.Parallelism, stats.CachedJobs);
    }
}

/// <summary>
/// <c>builds show --json</c>: the build, its projects, its jobs in start order (each with <c>offsetMs</c>), the
/// <c>stats</c>, the <c>criticalPath</c> (job ids, first first) and how it was found.
/// </summary>
public sealed record BuildShowJson(
    BuildJson Build,
    IReadOnlyList<ProjectJson> Projects,
    IReadOnlyList<JobJson> Jobs,
    BuildStatsJson Stats,
    IReadOnlyList<string> CriticalPath,
    string CriticalPathMethod);

/// <summary>One pair of <c>builds diff --json</c>.</summary>
public sealed record DiffPairJson(
    string Key,
    string Change,
    JobJson? Base,
    JobJson? Head,
    bool ResultChanged,
    bool CacheChanged,
    long? DurationDeltaMs);

/// <summary><c>builds diff --json</c>.</summary>
public sealed record BuildDiffJson(BuildJson Base, BuildJson Head, IReadOnlyList<DiffPairJson> Jobs);

/// <summary>One changed field of <c>why --json</c>.</summary>
public sealed record ChangeJson(string Field, string? Before, string? After);

/// <summary>
/// <c>why --json</c>. <c>ancestor</c> is the first changed ancestor for <c>input-changed</c>; <c>detail</c> says the
/// reason in words.
/// </summary>
public sealed record WhyJson(
    JobJson Job,
    JobJson? Previous,
    string Reason,
    IReadOnlyList<ChangeJson> Changes,
    JobJson? Ancestor,
    string Detail);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(BuildShowJson))]
[JsonSerializable(typeof(BuildDiffJson))]
[JsonSerializable(typeof(WhyJson))]
public sealed partial class HistoryJsonContext : JsonSerializerContext;
