using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BriocheJob.Diagnostics;

namespace BriocheJob.Docker;

/// <summary>The effective build state before an instruction runs.</summary>
/// <param name="WorkingDirectory">WORKDIR; <c>/</c> until one is set (an image's own WORKDIR is not known here).</param>
/// <param name="Environment">ENV set in this Dockerfile (inherited from a base stage); the base image's ENV is not known here.</param>
/// <param name="User">USER, or null for the image default.</param>
/// <param name="Args">ARGs declared in this stage so far, with their values (build args applied).</param>
public sealed record DockerfileState(
    string WorkingDirectory,
    IReadOnlyDictionary<string, string> Environment,
    string? User,
    IReadOnlyDictionary<string, string> Args);

/// <summary>One instruction, continuation lines joined.</summary>
public sealed class DockerfileInstruction
{
    /// <summary>Upper-case keyword: FROM, RUN, COPY…</summary>
    public required string Keyword { get; init; }

    /// <summary>Everything after the keyword, continuation lines joined with their escapes removed, unexpanded.</summary>
    public required string Arguments { get; init; }

    /// <summary>The JSON (exec) form's strings, or null for the shell form.</summary>
    public IReadOnlyList<string>? JsonArguments { get; init; }

    public bool IsJsonForm => JsonArguments is not null;

    /// <summary>1-based line where the instruction starts.</summary>
    public required int Line { get; init; }

    /// <summary>1-based last line (continuations and heredoc bodies included).</summary>
    public required int EndLine { get; init; }

    /// <summary>The state the instruction runs in (before its own effect).</summary>
    public required DockerfileState StateBefore { get; init; }

    /// <summary>Index of the stage (0-based), or -1 for an ARG before the first FROM.</summary>
    public required int StageIndex { get; init; }

    /// <summary>0-based position within the stage's instruction list (FROM is 0).</summary>
    public required int IndexInStage { get; init; }

    /// <summary>The process a RUN starts: <c>/bin/sh -c TEXT</c> for the shell form, the array for the exec form.</summary>
    public (string Command, IReadOnlyList<string> Args) RunCommand()
    {
        if (JsonArguments is { Count: > 0 } exec)
        {
            return (exec[0], exec.Skip(1).ToList());
        }

        return ("/bin/sh", ["-c", StripRunFlags(Arguments)]);
    }

    /// <summary>Drops leading <c>--mount=…</c>, <c>--network=…</c>, <c>--security=…</c> flags of a shell-form RUN.</summary>
    internal static string StripRunFlags(string arguments)
    {
        var text = arguments.TrimStart();
        while (text.StartsWith("--", StringComparison.Ordinal))
        {
            var end = text.IndexOfAny([' ', '\t']);
            if (end < 0)
            {
                return "";
            }

            text = text[end..].TrimStart();
        }
        return text;
    }

    /// <summary>BuildKit's step number in <c>[stage n/total]</c>, or null when BuildKit makes no vertex for it (ENV, USER…).</summary>
    public int? BuildKitStep { get; internal set; }

    public override string ToString() => $"{Line}: {Keyword} {Arguments}";
}

/// <summary>One FROM and the instructions that follow it.</summary>
public sealed class DockerfileStage
{
    public required int Index { get; init; }

    /// <summary>The AS name (lower-case, as BuildKit keeps it), or null.</summary>
    public string? Name { get; init; }

    /// <summary>The name BuildKit shows in vertex names: the AS name, or <c>stage-N</c>.</summary>
    public string DisplayName => Name ?? $"stage-{Index}";

    /// <summary>The base as written after ARG substitution (an image reference or a stage name).</summary>
    public required string BaseName { get; init; }

    /// <summary>The earlier stage this one builds on, or null when it starts from an image or scratch.</summary>
    public DockerfileStage? BaseStage { get; init; }

    public bool IsScratch => BaseStage is null && BaseName.Equals("scratch", StringComparison.OrdinalIgnoreCase);

    /// <summary>The image reference when the base is an image, else null.</summary>
    public string? BaseImage => BaseStage is null && !IsScratch ? BaseName : null;

    /// <summary>The <c>--platform</c> value after substitution, or null.</summary>
    public string? Platform { get; init; }

    /// <summary>FROM first, then the stage's instructions in order.</summary>
    public required IReadOnlyList<DockerfileInstruction> Instructions { get; init; }

    public DockerfileInstruction From => Instructions[0];

    /// <summary>The <c>total</c> in BuildKit's <c>[stage n/total]</c>.</summary>
    public int BuildKitStepCount { get; internal set; }

    /// <summary>The state after the last instruction (what a stage built on this one starts with).</summary>
    public required DockerfileState FinalState { get; init; }
}

/// <summary>A BuildKit vertex matched to the Dockerfile instruction that produced it.</summary>
public sealed record DockerfileStepMatch(DockerfileStage Stage, DockerfileInstruction Instruction, int Step, int Total,
    string? Platform);

/// <summary>A parsed Dockerfile: stages, global ARGs, and the map from BuildKit vertex names to instructions.</summary>
public sealed partial class Dockerfile
{
    internal Dockerfile(char escape, IReadOnlyList<DockerfileInstruction> globalArgs, IReadOnlyList<DockerfileStage> stages,
        IReadOnlyDictionary<string, string> globalArgValues)
    {
        EscapeCharacter = escape;
        GlobalArgs = globalArgs;
        Stages = stages;
        GlobalArgValues = globalArgValues;
    }

    public char EscapeCharacter { get; }

    /// <summary>ARG instructions before the first FROM.</summary>
    public IReadOnlyList<DockerfileInstruction> GlobalArgs { get; }

    /// <summary>Values of the ARGs before the first FROM (build args applied), as used in FROM lines.</summary>
    public IReadOnlyDictionary<string, string> GlobalArgValues { get; }

    public IReadOnlyList<DockerfileStage> Stages { get; }

    /// <summary>Every instruction in file order.</summary>
    public IEnumerable<DockerfileInstruction> AllInstructions => GlobalArgs.Concat(Stages.SelectMany(s => s.Instructions));

    /// <summary>A stage by AS name (case-insensitive), <c>stage-N</c> or index text.</summary>
    public DockerfileStage? FindStage(string nameOrIndex)
    {
        var byName = Stages.FirstOrDefault(s => string.Equals(s.Name, nameOrIndex, StringComparison.OrdinalIgnoreCase));
        if (byName is not null)
        {
            return byName;
        }

        var text = nameOrIndex.StartsWith("stage-", StringComparison.Ordinal) ? nameOrIndex["stage-".Length..] : nameOrIndex;
        return int.TryParse(text, out var index) && index >= 0 && index < Stages.Count ? Stages[index] : null;
    }

    /// <summary>
    /// Maps a BuildKit vertex name to its instruction. BuildKit names steps <c>[platform? stage? n/total] TEXT</c>:
    /// the stage is its AS name or <c>stage-N</c> and is left out when the Dockerfile has one stage; n counts the
    /// stage's FROM (only when it starts from an image, not from scratch or another stage) and its RUN, COPY, ADD
    /// and WORKDIR instructions. Returns null for <c>[internal]</c> and other vertices that are not steps.
    /// </summary>
    public DockerfileStepMatch? FindStepForVertex(string vertexName)
    {
        var match = VertexNamePattern().Match(vertexName);
        if (!match.Success)
        {
            return null;
        }

        var step = int.Parse(match.Groups["step"].Value);
        var total = int.Parse(match.Groups["total"].Value);
        var qualifiers = match.Groups["qualifiers"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string? platform = null;
        string? stageName = null;
        foreach (var qualifier in qualifiers)
        {
            // Stage names cannot contain '/', platforms always do.
            if (qualifier.Contains('/'))
            {
                platform = qualifier;
            }
            else
            {
                stageName = qualifier;
            }
        }

        DockerfileStage? stage;
        if (stageName is not null)
        {
            stage = FindStage(stageName);
        }
        else if (Stages.Count == 1)
        {
            stage = Stages[0];
        }
        else
        {
            stage = Stages.Where(s => s.BuildKitStepCount == total).ToList() is { Count: 1 } only ? only[0] : null;
        }

        if (stage is null)
        {
            return null;
        }

        var instruction = stage.Instructions.FirstOrDefault(i => i.BuildKitStep == step);
        return instruction is null ? null : new DockerfileStepMatch(stage, instruction, step, total, platform);
    }

    [GeneratedRegex(@"^\[(?<qualifiers>(?:[^\]\s]+ )*)(?<step>\d+)/(?<total>\d+)\]")]
    private static partial Regex VertexNamePattern();
}

/// <summary>Parses Dockerfiles into stages and instructions with the state each one runs in.</summary>
public static partial class DockerfileParser
{
    private static readonly HashSet<string> Keywords =
    [
        "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
        "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    ];

    private static readonly HashSet<string> JsonFormKeywords =
        ["RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "SHELL", "VOLUME"];

    /// <summary>Instructions BuildKit turns into numbered vertices (besides FROM of an image).</summary>
    private static readonly HashSet<string> StepKeywords = ["RUN", "COPY", "ADD", "WORKDIR"];

    public static Dockerfile ParseFile(string path, IReadOnlyDictionary<string, string>? buildArgs = null)
    {
        if (!File.Exists(path))
        {
            throw Catalog.Docker.DockerfileMissing.Exception(path);
        }

        return Parse(File.ReadAllText(path), buildArgs, path);
    }

    /// <param name="text">The Dockerfile's content.</param>
    /// <param name="buildArgs">Build args; they override ARG defaults (only for ARGs the Dockerfile declares).</param>
    /// <param name="source">Name used in error messages.</param>
    public static Dockerfile Parse(string text, IReadOnlyDictionary<string, string>? buildArgs = null,
        string source = "Dockerfile")
    {
        buildArgs ??= new Dictionary<string, string>();
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var escape = ReadEscapeDirective(lines, source);
        var words = new DockerfileShellWords(escape);
        var automatic = AutomaticPlatformArgs(buildArgs);

        var globalArgs = new List<DockerfileInstruction>();
        var globalValues = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new List<DockerfileStage>();
        StageBuilder? current = null;

        foreach (var logical in ReadLogicalLines(lines, escape, source))
        {
            var keyword = logical.Keyword;
            if (!Keywords.Contains(keyword))
            {
                throw Error(source, logical.Line, $"unknown instruction '{keyword}'");
            }

            if (keyword == "FROM")
            {
                if (current is not null)
                {
                    stages.Add(current.Build());
                }

                current = StartStage(logical, stages, words, globalValues, automatic, source);
                continue;
            }

            if (current is null)
            {
                if (keyword != "ARG")
                {
                    throw Error(source, logical.Line, $"{keyword} comes before the first FROM (only ARG may)");
                }

                var state = new DockerfileState("/", Empty, null, new Dictionary<string, string>(globalValues));
                globalArgs.Add(NewInstruction(logical, state, -1, globalArgs.Count));
                foreach (var (name, value) in ParseArgs(logical, words, n => globalValues.GetValueOrDefault(n) ?? automatic.GetValueOrDefault(n), source))
                {
                    var effective = buildArgs.TryGetValue(name, out var given) ? given : value;
                    if (effective is not null)
                    {
                        globalValues[name] = effective;
                    }
                    else
                    {
                        globalValues.Remove(name);
                    }
                }

                continue;
            }

            current.Apply(logical, words, buildArgs, globalValues, automatic, source);
        }

        if (current is null)
        {
            throw Catalog.Docker.BadDockerfile.Exception(source, "no FROM instruction");
        }

        stages.Add(current.Build());
        return new Dockerfile(escape, globalArgs, stages, globalValues);
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    private static StageBuilder StartStage(LogicalLine logical, List<DockerfileStage> stages, DockerfileShellWords words,
        Dictionary<string, string> globalValues, IReadOnlyDictionary<string, string> automatic, string source)
    {
        string? Lookup(string name) => globalValues.GetValueOrDefault(name) ?? automatic.GetValueOrDefault(name);

        var raw = words.SplitRaw(logical.Arguments);
        string? platform = null;
        var position = 0;
        while (position < raw.Count && raw[position].StartsWith("--", StringComparison.Ordinal))
        {
            var flag = raw[position++];
            if (flag.StartsWith("--platform=", StringComparison.OrdinalIgnoreCase))
            {
                platform = words.Process(flag["--platform=".Length..], Lookup);
            }
        }

        if (position >= raw.Count)
        {
            throw Error(source, logical.Line, "FROM needs an image");
        }

        var baseName = words.Process(raw[position++], Lookup);
        string? name = null;
        if (position < raw.Count)
        {
            if (!raw[position].Equals("AS", StringComparison.OrdinalIgnoreCase) || position + 2 != raw.Count)
            {
                throw Error(source, logical.Line, "FROM takes an image and an optional 'AS name'");
            }

            name = raw[position + 1].ToLowerInvariant();
            if (!StageNamePattern().IsMatch(name))
            {
                throw Error(source, logical.Line, $"'{name}' is not a valid stage name");
            }
        }

        if (baseName.Length == 0)
        {
            throw Error(source, logical.Line, "FROM's image is empty after ARG substitution");
        }

        var baseStage = stages.LastOrDefault(s => string.Equals(s.Name, baseName, StringComparison.OrdinalIgnoreCase));
        var initial = baseStage is null
            ? new DockerfileState("/", Empty, null, Empty)
            : baseStage.FinalState with { Args = Empty };
        return new StageBuilder(stages.Count, name, baseName, baseStage, platform, logical, initial);
    }

    private sealed class StageBuilder
    {
        private readonly int _index;
        private readonly string? _name;
        private readonly string _baseName;
        private readonly DockerfileStage? _baseStage;
        private readonly string? _platform;
        private readonly List<DockerfileInstruction> _instructions = [];
        private DockerfileState _state;
        private int _step;

        public StageBuilder(int index, string? name, string baseName, DockerfileStage? baseStage, string? platform,
            LogicalLine from, DockerfileState initial)
        {
            _index = index;
            _name = name;
            _baseName = baseName;
            _baseStage = baseStage;
            _platform = platform;
            _state = initial;
            var fromInstruction = NewInstruction(from, initial, index, 0);
            // BuildKit numbers FROM only when it pulls an image: not for scratch, not for another stage.
            if (baseStage is null && !baseName.Equals("scratch", StringComparison.OrdinalIgnoreCase))
            {
                fromInstruction.BuildKitStep = ++_step;
            }

            _instructions.Add(fromInstruction);
        }

        public void Apply(LogicalLine logical, DockerfileShellWords words, IReadOnlyDictionary<string, string> buildArgs,
            IReadOnlyDictionary<string, string> globalValues, IReadOnlyDictionary<string, string> automatic, string source)
        {
            var state = _state;
            var instruction = NewInstruction(logical, state, _index, _instructions.Count);
            if (StepKeywords.Contains(logical.Keyword))
            {
                instruction.BuildKitStep = ++_step;
            }

            _instructions.Add(instruction);

            // ENV wins over ARG of the same name.
            string? Lookup(string name) => state.Environment.GetValueOrDefault(name) ?? state.Args.GetValueOrDefault(name)
                ?? (automatic.ContainsKey(name) && state.Args.ContainsKey(name) ? automatic[name] : null);

            switch (logical.Keyword)
            {
                case "WORKDIR":
                    {
                        var directory = words.Process(logical.Arguments.Trim(), Lookup);
                        if (directory.Length == 0)
                        {
                            throw Error(source, logical.Line, "WORKDIR needs a path");
                        }

                        _state = state with
                        {
                            WorkingDirectory = DockerIgnore.CleanPath(directory.StartsWith('/')
                                ? directory
                                : state.WorkingDirectory.TrimEnd('/') + "/" + directory),
                        };
                        break;
                    }
                case "USER":
                    _state = state with { User = words.Process(logical.Arguments.Trim(), Lookup) };
                    break;
                case "ENV":
                    {
                        var environment = new Dictionary<string, string>(state.Environment);
                        foreach (var (name, value) in ParseEnv(logical, words, Lookup, source))
                        {
                            environment[name] = value;
                        }

                        _state = state with { Environment = environment };
                        break;
                    }
                case "ARG":
                    {
                        var args = new Dictionary<string, string>(state.Args);
                        foreach (var (name, value) in ParseArgs(logical, words, Lookup, source))
                        {
                            var effective = buildArgs.TryGetValue(name, out var given) ? given
                                : value ?? globalValues.GetValueOrDefault(name) ?? automatic.GetValueOrDefault(name) ?? "";
                            args[name] = effective;
                        }

                        _state = state with { Args = args };
                        break;
                    }
            }
        }

        public DockerfileStage Build() => new()
        {
            Index = _index,
            Name = _name,
            BaseName = _baseName,
            BaseStage = _baseStage,
            Platform = _platform,
            Instructions = _instructions,
            FinalState = _state,
            BuildKitStepCount = _step,
        };
    }

    private static IEnumerable<(string Name, string Value)> ParseEnv(LogicalLine logical, DockerfileShellWords words,
        Func<string, string?> lookup, string source)
    {
        var raw = words.SplitRaw(logical.Arguments);
        if (raw.Count == 0)
        {
            throw Error(source, logical.Line, "ENV needs a name and a value");
        }

        if (!raw[0].Contains('='))
        {
            // Legacy form: ENV name value with spaces
            var text = logical.Arguments.TrimStart();
            var split = text.IndexOfAny([' ', '\t']);
            if (split < 0)
            {
                throw Error(source, logical.Line, $"ENV {raw[0]} has no value");
            }

            yield return (raw[0], words.Process(text[(split + 1)..].Trim(), lookup));
            yield break;
        }

        var pairs = new List<(string, string)>();
        foreach (var word in raw)
        {
            var equals = word.IndexOf('=');
            if (equals <= 0)
            {
                throw Error(source, logical.Line, $"ENV expects name=value, got '{word}'");
            }

            pairs.Add((word[..equals], words.Process(word[(equals + 1)..], lookup)));
        }

        // Every value in one ENV sees the variables as they were before it.
        foreach (var pair in pairs)
        {
            yield return pair;
        }
    }

    private static IEnumerable<(string Name, string? Value)> ParseArgs(LogicalLine logical, DockerfileShellWords words,
        Func<string, string?> lookup, string source)
    {
        var raw = words.SplitRaw(logical.Arguments);
        if (raw.Count == 0)
        {
            throw Error(source, logical.Line, "ARG needs a name");
        }

        foreach (var word in raw)
        {
            var equals = word.IndexOf('=');
            if (equals == 0)
            {
                throw Error(source, logical.Line, $"ARG '{word}' has no name");
            }

            yield return equals < 0 ? (word, null) : (word[..equals], words.Process(word[(equals + 1)..], lookup));
        }
    }

    private static DockerfileInstruction NewInstruction(LogicalLine logical, DockerfileState state, int stage, int index)
    {
        IReadOnlyList<string>? json = null;
        var trimmed = logical.Arguments.Trim();
        if (JsonFormKeywords.Contains(logical.Keyword) && trimmed.StartsWith('['))
        {
            try
            {
                json = JsonSerializer.Deserialize(trimmed, DockerJsonContext.Default.StringArray);
            }
            catch (JsonException)
            {
                // Not valid JSON: Docker then treats it as the shell form.
            }
        }

        return new DockerfileInstruction
        {
            Keyword = logical.Keyword,
            Arguments = trimmed,
            JsonArguments = json,
            Line = logical.Line,
            EndLine = logical.EndLine,
            StateBefore = state,
            StageIndex = stage,
            IndexInStage = index,
        };
    }

    /// <summary>BuildKit's automatic platform ARGs, for this machine unless build args say otherwise.</summary>
    private static IReadOnlyDictionary<string, string> AutomaticPlatformArgs(IReadOnlyDictionary<string, string> buildArgs)
    {
        var os = OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "darwin" : "linux";
        var arch = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "amd64",
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            Architecture.X86 => "386",
            var other => other.ToString().ToLowerInvariant(),
        };
        var values = new Dictionary<string, string>
        {
            ["BUILDPLATFORM"] = $"{os}/{arch}",
            ["BUILDOS"] = os,
            ["BUILDARCH"] = arch,
            ["TARGETPLATFORM"] = $"{os}/{arch}",
            ["TARGETOS"] = os,
            ["TARGETARCH"] = arch,
        };
        foreach (var key in values.Keys.ToList())
        {
            if (buildArgs.TryGetValue(key, out var given))
            {
                values[key] = given;
            }
        }

        return values;
    }

    private static char ReadEscapeDirective(string[] lines, string source)
    {
        var escape = '\\';
        for (var i = 0; i < lines.Length; i++)
        {
            var match = DirectivePattern().Match(lines[i]);
            if (!match.Success)
            {
                break;
            }

            if (!match.Groups["name"].Value.Equals("escape", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = match.Groups["value"].Value.Trim();
            if (value is not ("\\" or "`"))
            {
                throw Error(source, i + 1, $"escape directive must be \\ or `, got '{value}'");
            }

            escape = value[0];
        }

        return escape;
    }

    private sealed record LogicalLine(string Keyword, string Arguments, int Line, int EndLine);

    private static IEnumerable<LogicalLine> ReadLogicalLines(string[] lines, char escape, string source)
    {
        var i = 0;
        while (i < lines.Length)
        {
            var line = lines[i];
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                i++;
                continue;
            }

            var start = i;
            var text = new StringBuilder();
            while (true)
            {
                var current = lines[i].TrimEnd();
                if (current.EndsWith(escape) && !(text.Length == 0 && current.TrimStart().Length == 1))
                {
                    text.Append(current, 0, current.Length - 1);
                    i++;
                    // Comment and blank lines inside a continuation are dropped, as Docker does.
                    while (i < lines.Length && (lines[i].TrimStart().StartsWith('#') || lines[i].Trim().Length == 0))
                    {
                        i++;
                    }

                    if (i >= lines.Length)
                    {
                        break;
                    }

                    continue;
                }

                text.Append(current);
                i++;
                break;
            }

            var joined = text.ToString().Trim();
            var split = joined.IndexOfAny([' ', '\t']);
            var keyword = (split < 0 ? joined : joined[..split]).ToUpperInvariant();
            var arguments = split < 0 ? "" : joined[(split + 1)..].Trim();

            // Heredoc bodies (RUN <<EOF …) are not instructions: skip to their terminators.
            if (keyword is "RUN" or "COPY" or "ADD")
            {
                foreach (Match heredoc in HeredocPattern().Matches(arguments))
                {
                    var stripTabs = heredoc.Groups["dash"].Success && heredoc.Groups["dash"].Length > 0;
                    var word = heredoc.Groups["word"].Value;
                    while (i < lines.Length)
                    {
                        var body = stripTabs ? lines[i].TrimStart('\t') : lines[i];
                        i++;
                        if (body == word)
                        {
                            break;
                        }
                    }
                }
            }

            yield return new LogicalLine(keyword, arguments, start + 1, Math.Max(start + 1, i));
        }
    }

    private static BriocheJobException Error(string source, int line, string why) =>
        Catalog.Docker.BadDockerfile.Exception($"{source}:{line}", why);

    [GeneratedRegex(@"^#\s*(?<name>[A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?<value>.*)$")]
    private static partial Regex DirectivePattern();

    [GeneratedRegex(@"(?<!<)<<(?<dash>-?)(?<quote>[""']?)(?<word>[A-Za-z0-9_]+)\k<quote>")]
    private static partial Regex HeredocPattern();

    [GeneratedRegex(@"^[a-z][a-z0-9\-_.]*$")]
    private static partial Regex StageNamePattern();
}
