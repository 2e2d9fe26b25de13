using System.Text.Json;
using BriocheJob.Brioche;
using BriocheJob.Store;

namespace BriocheJob.Jobs;

/// <summary>
/// What <c>show</c> prints about one job: its record plus what its events file adds (stack trace, command and args,
/// the last log lines). The record is shown even when the events file is gone or unreadable.
/// </summary>
public sealed class JobDetails
{
    /// <summary>How many log lines <c>show</c> prints for a failed job.</summary>
    public const int DefaultLastLines = 10;

    private JobDetails(JobView view, string? eventsPath)
    {
        View = view;
        EventsPath = eventsPath;
    }

    public JobView View { get; }

    public JobRecord Job => View.Job;

    /// <summary>The events file, when the job has one (<c>-</c> for standard input).</summary>
    public string? EventsPath { get; }

    /// <summary>The events file was read (so the fields below come from it).</summary>
    public bool EventsRead => Log is not null;

    /// <summary>Why the events file adds nothing: gone, or unreadable. Null when it was read or the job has none.</summary>
    public string? EventsProblem { get; private init; }

    public ProcessLog? Log { get; private init; }

    public IReadOnlyList<string> StackTrace =>
        Log?.Description?.Meta.Source?.Select(frame => frame.ToDisplayString()).ToList() ?? [];

    public string? Command => Log?.Description?.CommandDisplay is { Length: > 0 } command ? command : null;

    public IReadOnlyList<string> Args => Log?.Description?.ArgsDisplay ?? [];

    /// <summary>The last output lines and the exit line, for a job that did not succeed; empty otherwise.</summary>
    public IReadOnlyList<LogLine> LastLines { get; private init; } = [];

    /// <summary>Reads what the job's events file adds to its record (<paramref name="lastLines"/> lines when it failed).</summary>
    public static JobDetails Load(JobView view, int lastLines = DefaultLastLines)
    {
        ArgumentNullException.ThrowIfNull(view);
        string? path = view.Job.LocalPath;
        if (string.IsNullOrEmpty(path))
        {
            return new JobDetails(view, null) { EventsProblem = "no events file is recorded for this job" };
        }

        if (!File.Exists(path))
        {
            return new JobDetails(view, path) { EventsProblem = $"the events file is gone: {path}" };
        }

        bool wantLines = view.Job.Result != RunResult.Succeeded;
        try
        {
            ProcessLog log = ProcessLog.Read(path, new ProcessLogOptions { Tail = wantLines ? Math.Max(0, lastLines) : 0 });
            return FromLog(view, path, log, wantLines);
        }
        catch (BriocheJobException ex)
        {
            return new JobDetails(view, path) { EventsProblem = $"the events file cannot be read: {ex.Code}: {ex.Message}" };
        }
    }

    /// <summary>Details of a job known only from an events file (a path or standard input), already read.</summary>
    public static JobDetails FromLog(JobView view, string eventsPath, ProcessLog log, bool includeLastLines)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(log);
        IReadOnlyList<LogLine> last = [];
        if (includeLastLines)
        {
            // The log's own lines minus the stack trace, which show prints on its own.
            last = log.Lines.Where(l => l.Kind is LogLineKind.Output or LogLineKind.Exit or LogLineKind.EndedAbruptly).ToList();
        }

        return new JobDetails(view, eventsPath) { Log = log, LastLines = last };
    }

    /// <summary>The <c>show --json</c> shape of this job (<see cref="JobDetailsJson"/>), for the source-generated serializer.</summary>
    public JobDetailsJson ToJson(string? shortId = null, IReadOnlySet<string>? flakyRecipes = null) => new(
        JobJson.From(View, shortId, flakyRecipes),
        StackTrace,
        Command,
        Args,
        LastLines.Select(LogLineJson.From).ToList(),
        EventsPath,
        EventsProblem);

    /// <summary>Writes <c>show --json</c> through <see cref="JobJsonContext"/> (no hand-written JSON).</summary>
    public void WriteJson(Utf8JsonWriter writer, string? shortId = null, IReadOnlySet<string>? flakyRecipes = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        JsonSerializer.Serialize(writer, ToJson(shortId, flakyRecipes), JobJsonContext.Default.JobDetailsJson);
    }
}
