using System.Text.RegularExpressions;

namespace BriocheJob.Recording;

/// <summary>
/// One <c>Error occurred with &lt;project&gt;: &lt;message&gt;</c> line of <c>brioche build</c>.
/// </summary>
/// <param name="Project">The project as Brioche names it: <c>project './pkg'</c>, <c>registry project 'curl'</c>, or a bare name.</param>
/// <param name="ProjectSource">The path or registry name inside the quotes (the whole <paramref name="Project"/> when unquoted).</param>
/// <param name="Message">Brioche's error chain, joined by ": ".</param>
/// <param name="EventsPath">The events file from the <c>brioche jobs logs &lt;path&gt;</c> hint, when the message has one.</param>
/// <param name="JobId">The process-temp folder name of <paramref name="EventsPath"/>: the failed job's id.</param>
public sealed record BriocheProjectError(
    string Project,
    string ProjectSource,
    bool IsRegistry,
    string Message,
    string? EventsPath,
    string? JobId);

/// <summary>Reads what <c>brioche build</c> prints to attribute a failure to a project and a job.</summary>
public static partial class BriocheOutputParser
{
    [GeneratedRegex(@"\x1B(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1B]*(?:\x07|\x1B\\)|[@-Z\\-_])")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex(@"Error occurred with (?:(?<registry>registry )?project '(?<source>.*?)'|(?<bare>.+?)): (?<message>.*)$")]
    private static partial Regex ProjectErrorLine();

    [GeneratedRegex(@"brioche jobs logs (?<path>[^`\r\n]+?)`")]
    private static partial Regex LogsHint();

    /// <summary>Removes colours and other terminal escapes Brioche's console may print.</summary>
    public static string StripAnsi(string line) => line.Contains('\x1B') ? AnsiEscape().Replace(line, "") : line;

    /// <summary>Parses an <c>Error occurred with …</c> line; null for any other line.</summary>
    public static BriocheProjectError? ParseProjectError(string line)
    {
        var match = ProjectErrorLine().Match(StripAnsi(line).TrimEnd());
        if (!match.Success)
        {
            return null;
        }

        var message = match.Groups["message"].Value;
        var eventsPath = FindEventsPath(message);
        string project, source;
        var isRegistry = match.Groups["registry"].Success;
        if (match.Groups["source"].Success)
        {
            source = match.Groups["source"].Value;
            project = $"{(isRegistry ? "registry " : "")}project '{source}'";
        }
        else
        {
            project = source = match.Groups["bare"].Value;
        }

        return new BriocheProjectError(project, source, isRegistry, message, eventsPath, JobIdFromEventsPath(eventsPath));
    }

    /// <summary>The path in <c>view full output by running `brioche jobs logs &lt;path&gt;`</c>, or null.</summary>
    public static string? FindEventsPath(string text)
    {
        var match = LogsHint().Match(StripAnsi(text));
        return match.Success ? match.Groups["path"].Value.Trim() : null;
    }

    /// <summary>The job id of <c>&lt;data&gt;/process-temp/&lt;ULID&gt;/events.bin.zst</c>: the folder's name, if it is a ULID.</summary>
    public static string? JobIdFromEventsPath(string? eventsPath)
    {
        if (string.IsNullOrEmpty(eventsPath))
        {
            return null;
        }

        var folder = Path.GetFileName(Path.GetDirectoryName(eventsPath.TrimEnd('/')) ?? "");
        return IsJobFolderName(folder) ? folder : null;
    }

    /// <summary>True for a 26-character Crockford base32 ULID, the name Brioche gives each process-temp folder.</summary>
    public static bool IsJobFolderName(string? name) =>
        name is { Length: 26 } && name.All(c => c is >= '0' and <= '9' || (char.ToUpperInvariant(c) is >= 'A' and <= 'Z' and not 'I' and not 'L' and not 'O' and not 'U'));
}
