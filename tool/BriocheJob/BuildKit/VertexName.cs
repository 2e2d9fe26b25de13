using System.Text.RegularExpressions;

namespace BriocheJob.BuildKit;

/// <summary>
/// What a Dockerfile frontend vertex name says: <c>[builder 2/5] RUN make</c>, <c>[2/5] RUN make</c>,
/// <c>[linux/amd64 builder 2/5] RUN make</c>, <c>[internal] load build definition from Dockerfile</c>.
/// Names that follow none of these (<c>exporting to image</c>) keep their whole text in <see cref="Text"/>.
/// </summary>
public sealed partial record VertexName(
    string? Stage,
    int? Step,
    int? TotalSteps,
    string? Instruction,
    string Text,
    bool IsInternal,
    string? Platform)
{
    /// <summary>Parses a vertex name; never fails (an unrecognised name comes back as plain text).</summary>
    public static VertexName Parse(string? name)
    {
        name ??= "";
        var match = BracketPrefix().Match(name);
        if (!match.Success)
        {
            return new VertexName(null, null, null, null, name.Trim(), false, null);
        }

        string label = match.Groups["label"].Value.Trim();
        string rest = name[match.Length..].Trim();

        string? stage = null, platform = null;
        int? step = null, total = null;
        bool isInternal = false;
        var steps = StepSuffix().Match(label);
        if (steps.Success)
        {
            step = int.Parse(steps.Groups["step"].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture);
            total = int.Parse(steps.Groups["total"].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture);
            label = label[..steps.Index].Trim();
            // With several platforms, buildx puts the platform first: "[linux/amd64 builder 2/5]".
            int space = label.IndexOf(' ');
            if (space > 0 && label[..space].Contains('/'))
            {
                platform = label[..space];
                label = label[(space + 1)..].Trim();
            }
            else if (space < 0 && label.Contains('/'))
            {
                platform = label;
                label = "";
            }
            stage = label.Length > 0 ? label : null;
        }
        else if (label == "internal")
        {
            isInternal = true;
        }
        else
        {
            stage = label.Length > 0 ? label : null;
        }

        string? instruction = null;
        var keyword = InstructionKeyword().Match(rest);
        if (keyword.Success && (step is not null || stage is not null))
        {
            instruction = keyword.Groups["kw"].Value;
            rest = rest[keyword.Length..].TrimStart();
        }
        return new VertexName(stage, step, total, instruction, rest, isInternal, platform);
    }

    [GeneratedRegex(@"^\s*\[(?<label>[^\]]*)\]")]
    private static partial Regex BracketPrefix();

    [GeneratedRegex(@"(?<step>\d+)/(?<total>\d+)$")]
    private static partial Regex StepSuffix();

    [GeneratedRegex(@"^(?<kw>[A-Z]{2,})(?=\s|$)")]
    private static partial Regex InstructionKeyword();
}

/// <summary>A process that failed inside a build step, as read from the vertex or build error text.</summary>
public sealed partial record ProcessFailure(string? Command, int ExitCode)
{
    /// <summary>
    /// Reads <c>process "/bin/sh -c …" did not complete successfully: exit code: 3</c> and the older
    /// <c>executor failed running [/bin/sh -c …]: exit code: 3</c>; null when the error names no exit code.
    /// </summary>
    public static ProcessFailure? TryParse(string? error)
    {
        if (string.IsNullOrEmpty(error))
        {
            return null;
        }

        var exit = ExitCodePattern().Match(error);
        if (!exit.Success || !int.TryParse(exit.Groups["code"].ValueSpan, System.Globalization.CultureInfo.InvariantCulture, out int code))
        {
            return null;
        }

        string? command = null;
        var modern = ModernCommand().Match(error);
        if (modern.Success)
        {
            command = UnquoteGo(modern.Groups["cmd"].Value);
        }
        else if (LegacyCommand().Match(error) is { Success: true } legacy)
        {
            command = legacy.Groups["cmd"].Value;
        }

        return new ProcessFailure(command, code);
    }

    // The modern message quotes the command Go-style (%q).
    private static string UnquoteGo(string quoted)
    {
        if (!quoted.Contains('\\'))
        {
            return quoted;
        }

        var text = new System.Text.StringBuilder(quoted.Length);
        for (int i = 0; i < quoted.Length; i++)
        {
            char c = quoted[i];
            if (c != '\\' || i + 1 == quoted.Length)
            {
                text.Append(c);
                continue;
            }
            char next = quoted[++i];
            text.Append(next switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => next });
        }
        return text.ToString();
    }

    [GeneratedRegex(@"exit code: (?<code>-?\d+)", RegexOptions.RightToLeft)]
    private static partial Regex ExitCodePattern();

    [GeneratedRegex(@"process ""(?<cmd>.*)"" did not complete successfully", RegexOptions.Singleline)]
    private static partial Regex ModernCommand();

    [GeneratedRegex(@"executor failed running \[(?<cmd>.*)\]: exit code", RegexOptions.Singleline)]
    private static partial Regex LegacyCommand();
}
