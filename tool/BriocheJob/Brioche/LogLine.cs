using System.Globalization;

namespace BriocheJob.Brioche;

public enum LogLineKind
{
    /// <summary>One frame of the recipe's source stack trace.</summary>
    StackFrame,
    /// <summary>The process started.</summary>
    Spawned,
    /// <summary>One line of stdout or stderr.</summary>
    Output,
    /// <summary>The process ended (code, signal or message).</summary>
    Exit,
    /// <summary>The file stops before the process ended or in the middle of an event.</summary>
    EndedAbruptly,
}

/// <summary>
/// One line of a rendered process log. <see cref="Elapsed"/> is relative to the spawn (as Brioche shows it);
/// <see cref="Stream"/> is set for output lines. Serialize the properties for <c>--json</c>.
/// </summary>
public sealed record LogLine(LogLineKind Kind, string Text, OutputStream? Stream = null, TimeSpan? Elapsed = null)
{
    public long? ElapsedMilliseconds => Elapsed is { } elapsed ? (long)elapsed.TotalMilliseconds : null;

    /// <summary><c>stdout</c>, <c>stderr</c> or null.</summary>
    public string? StreamName => Stream switch
    {
        OutputStream.Stdout => "stdout",
        OutputStream.Stderr => "stderr",
        _ => null,
    };

    /// <summary>The line as <c>brioche jobs logs</c> prints it.</summary>
    public string Render() => Kind switch
    {
        LogLineKind.StackFrame => $"- {Text}",
        LogLineKind.Output => $"[{ElapsedFormat.Format(Elapsed ?? TimeSpan.Zero)}] {Text}",
        LogLineKind.Spawned or LogLineKind.Exit => $"[{ElapsedFormat.Format(Elapsed ?? TimeSpan.Zero)}] [{Text}]",
        _ => Text,
    };

    public override string ToString() => Render();
}

/// <summary>Brioche's duration display: <c>12.34s</c> under a minute, then <c>1m 0s</c>, then <c>1h 0m 0s</c>.</summary>
public static class ElapsedFormat
{
    public static string Format(TimeSpan elapsed)
    {
        if (elapsed < TimeSpan.Zero)
        {
            elapsed = TimeSpan.Zero;
        }
        if (elapsed.TotalSeconds < 60)
        {
            // Truncate, not round, so 59.999s never shows as 60.00s.
            var hundredths = (long)(elapsed.TotalMilliseconds / 10);
            return string.Create(CultureInfo.InvariantCulture, $"{hundredths / 100}.{hundredths % 100:00}s");
        }
        var totalSeconds = (long)elapsed.TotalSeconds;
        if (totalSeconds < 3600)
        {
            return $"{totalSeconds / 60}m {totalSeconds % 60}s";
        }
        return $"{totalSeconds / 3600}h {totalSeconds % 3600 / 60}m {totalSeconds % 60}s";
    }
}
