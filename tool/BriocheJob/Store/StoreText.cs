using BriocheJob.Diagnostics;

namespace BriocheJob.Store;

/// <summary>The stored text of enum values. These strings are part of the schema: never rename them.</summary>
internal static class StoreText
{
    public static string Of(JobKind kind) => kind switch
    {
        JobKind.Brioche => "brioche",
        JobKind.Docker => "docker",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string Of(BuildOrigin origin) => origin switch
    {
        BuildOrigin.MsBuild => "msbuild",
        BuildOrigin.Cli => "cli",
        BuildOrigin.Import => "import",
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public static string Of(RunState state) => state switch
    {
        RunState.Running => "running",
        RunState.Finished => "finished",
        RunState.Interrupted => "interrupted",
        RunState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static string? Of(RunResult? result) => result switch
    {
        null => null,
        RunResult.Succeeded => "succeeded",
        RunResult.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    public static JobKind ParseKind(string text) => text switch
    {
        "brioche" => JobKind.Brioche,
        "docker" => JobKind.Docker,
        _ => throw Unreadable("kind", text),
    };

    public static BuildOrigin ParseOrigin(string text) => text switch
    {
        "msbuild" => BuildOrigin.MsBuild,
        "cli" => BuildOrigin.Cli,
        "import" => BuildOrigin.Import,
        _ => throw Unreadable("origin", text),
    };

    public static RunState ParseState(string text) => text switch
    {
        "running" => RunState.Running,
        "finished" => RunState.Finished,
        "interrupted" => RunState.Interrupted,
        "cancelled" => RunState.Cancelled,
        _ => throw Unreadable("state", text),
    };

    public static RunResult? ParseResult(string? text) => text switch
    {
        null => null,
        "succeeded" => RunResult.Succeeded,
        "failed" => RunResult.Failed,
        _ => throw Unreadable("result", text),
    };

    private static BriocheJobException Unreadable(string column, string text) =>
        Catalog.Store.UnknownStoredValue.Exception(column, text);
}
