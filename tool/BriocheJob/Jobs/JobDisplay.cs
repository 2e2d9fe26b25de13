using System.Globalization;
using BriocheJob.Brioche;
using BriocheJob.Store;

namespace BriocheJob.Jobs;

/// <summary>How jobs and builds read on a terminal: outcome words, compact local times and durations.</summary>
public static class JobDisplay
{
    /// <summary>
    /// One word for where a job or build stands: <c>failed</c>, <c>succeeded</c>, <c>running</c>, <c>interrupted</c>,
    /// <c>cancelled</c> (a finished record without a result reads <c>finished</c>).
    /// </summary>
    public static string Outcome(RunState state, RunResult? result) => state switch
    {
        RunState.Running => "running",
        RunState.Interrupted => "interrupted",
        RunState.Cancelled => "cancelled",
        _ => result switch
        {
            RunResult.Failed => "failed",
            RunResult.Succeeded => "succeeded",
            _ => "finished",
        },
    };

    /// <summary><see cref="Outcome(RunState, RunResult?)"/> of a job, with <c> (cached)</c> when it was not run.</summary>
    public static string Outcome(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        string outcome = Outcome(job.State, job.Result);
        return job.Cached ? outcome + " (cached)" : outcome;
    }

    /// <summary>The exit status in words: <c>exit code 2</c>, <c>signal 9</c>, a message, or null when none is known.</summary>
    /// <summary>
    /// The exit status in short, for a status line: the exit code or signal when known, the message only when neither is
    /// (BuildKit's message for a failed RUN restates the command and its code, so <c>debug-shell</c> does not repeat it).
    /// </summary>
    public static string? ShortExitStatus(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.ExitCode is not null || job.Signal is not null ? ExitStatus(job with { Message = null }) : ExitStatus(job);
    }

    public static string? ExitStatus(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var parts = new List<string>(3);
        if (job.ExitCode is { } code)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"exit code {code}"));
        }

        if (job.Signal is { } signal)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"signal {signal}"));
        }

        if (!string.IsNullOrEmpty(job.Message))
        {
            parts.Add(job.Message);
        }

        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    /// <summary>
    /// A compact local time: <c>14:03:07</c> today, <c>03-01 14:03</c> this year, <c>2024-03-01</c> before.
    /// </summary>
    public static string Started(DateTimeOffset time, TimeZoneInfo zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(zone);
        DateTime local = TimeZoneInfo.ConvertTime(time, zone).DateTime;
        DateTime today = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        string format = local.Date == today.Date ? "HH:mm:ss"
            : local.Year == today.Year ? "MM-dd HH:mm"
            : "yyyy-MM-dd";
        return local.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>A full local time with its offset, for <c>show</c>: <c>2025-03-01 14:03:07.123 +01:00</c>.</summary>
    public static string LocalTime(DateTimeOffset time, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return TimeZoneInfo.ConvertTime(time, zone).ToString("yyyy-MM-dd HH:mm:ss.fff zzz", CultureInfo.InvariantCulture);
    }

    /// <summary>A compact duration: <c>850ms</c>, <c>12.3s</c>, <c>4m05s</c>, <c>2h03m</c>, <c>3d04h</c>; empty when unknown.</summary>
    public static string Duration(TimeSpan? duration)
    {
        if (duration is not { } d)
        {
            return "";
        }

        if (d < TimeSpan.Zero)
        {
            d = TimeSpan.Zero;
        }

        return d.TotalSeconds switch
        {
            < 1 => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMilliseconds}ms"),
            < 60 => string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(d.TotalSeconds * 10) / 10:0.0}s"),
            < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes}m{d.Seconds:00}s"),
            < 86400 => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours}h{d.Minutes:00}m"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalDays}d{d.Hours:00}h"),
        };
    }

    /// <summary>The project's name for display: its name, registry name, or the last part of its path.</summary>
    public static string ProjectName(ProjectRecord? project)
    {
        if (project is null)
        {
            return "";
        }

        if (!string.IsNullOrEmpty(project.Name))
        {
            return project.Name;
        }

        if (!string.IsNullOrEmpty(project.RegistryProjectName))
        {
            return project.RegistryProjectName;
        }

        string path = project.LocalProjectPath?.TrimEnd('/', Path.DirectorySeparatorChar) ?? "";
        string name = Path.GetFileName(path);
        return name.Length > 0 ? name : path;
    }

    /// <summary>Cuts text to <paramref name="width"/> characters, ending in <c>…</c> when cut; newlines become spaces.</summary>
    public static string Truncate(string? text, int width)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        string oneLine = text.ReplaceLineEndings(" ");
        return oneLine.Length <= width ? oneLine : string.Concat(oneLine.AsSpan(0, Math.Max(0, width - 1)), "…");
    }

    /// <summary>A command line for display: arguments with spaces or quotes are single-quoted, shell style.</summary>
    public static string CommandLine(string command, IEnumerable<string> args) => ShellQuoting.CommandLine(command, args);

    /// <summary>Arguments quoted as in <see cref="CommandLine"/>, without a command.</summary>
    public static string Arguments(IEnumerable<string> args) => ShellQuoting.Arguments(args);
}
