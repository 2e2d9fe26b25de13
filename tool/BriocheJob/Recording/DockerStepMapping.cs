using System.Text.Json;
using BriocheJob.Brioche;
using BriocheJob.BuildKit;
using BriocheJob.Docker;
using BriocheJob.Store;

namespace BriocheJob.Recording;

/// <summary>Where a BuildKit step stands, as far as its job record is concerned.</summary>
public enum DockerStepStatus
{
    /// <summary>Announced but not started (yet).</summary>
    Pending,
    Running,
    Cached,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>
/// The one mapping from a BuildKit vertex to a job record, its meta and its events-file Description.
/// Pure functions: the live recorder and the trace import both go through here.
/// </summary>
public static class DockerStepMapping
{
    /// <summary>A step error that means the step was stopped, not that it failed.</summary>
    public static bool IsCancellationError(string? error) =>
        error is not null
        && (error.Contains("context canceled", StringComparison.Ordinal)
            || error.Contains("operation was canceled", StringComparison.Ordinal)
            || error.Contains("context cancelled", StringComparison.Ordinal));

    public static DockerStepStatus StatusOf(TraceVertex vertex)
    {
        if (vertex.Error is { } error)
        {
            return IsCancellationError(error) ? DockerStepStatus.Cancelled : DockerStepStatus.Failed;
        }

        if (vertex.Cached)
        {
            return DockerStepStatus.Cached;
        }

        if (vertex.Completed is not null)
        {
            return DockerStepStatus.Succeeded;
        }

        return vertex.Started is not null ? DockerStepStatus.Running : DockerStepStatus.Pending;
    }

    public static bool IsFinal(DockerStepStatus status) =>
        status is DockerStepStatus.Cached or DockerStepStatus.Succeeded or DockerStepStatus.Failed or DockerStepStatus.Cancelled;

    /// <summary>The instruction a vertex ran, when the Dockerfile is known and the vertex is one of its steps.</summary>
    public static DockerfileStepMatch? FindStep(TraceVertex vertex, Dockerfile? dockerfile) =>
        dockerfile is null || string.IsNullOrEmpty(vertex.Name) ? null : dockerfile.FindStepForVertex(vertex.Name);

    /// <summary>The job's meta: from the Dockerfile when it maps, else what the vertex name alone says.</summary>
    public static DockerStepMeta Meta(TraceVertex vertex, DockerfileStepMatch? step, DockerImageSpec? spec,
        string? dockerfilePath, string? dockerfileSha256)
    {
        var parsed = vertex.ParsedName;
        var instruction = step?.Instruction;
        return new DockerStepMeta
        {
            Digest = vertex.Digest,
            Vertex = vertex.Name,
            Image = spec?.Name,
            Context = spec is null ? null : Path.GetFullPath(spec.ContextDirectory),
            Dockerfile = dockerfilePath,
            DockerfileSha256 = dockerfileSha256,
            Line = instruction?.Line,
            EndLine = instruction?.EndLine,
            Stage = step?.Stage.DisplayName ?? parsed.Stage,
            StageIndex = step?.Stage.Index,
            Instruction = instruction is not null
                ? $"{instruction.Keyword} {instruction.Arguments}".TrimEnd()
                : parsed.Instruction is { } keyword ? $"{keyword} {parsed.Text}".TrimEnd() : null,
            Keyword = instruction?.Keyword ?? parsed.Instruction,
            Step = parsed.Step is { } n && parsed.TotalSteps is { } total ? $"{n}/{total}" : null,
            Platform = step?.Platform ?? parsed.Platform ?? spec?.Platform,
            Target = spec?.Target,
            NetworkMode = spec?.NetworkMode,
            BuildArgs = spec is { BuildArgs.Count: > 0 } ? spec.BuildArgs : null,
            ArgsInScope = instruction?.StateBefore.Args.Keys.Order(StringComparer.Ordinal).ToArray(),
        };
    }

    /// <summary>
    /// The job record for the vertex as it stands. <paramref name="firstSeen"/> stands in for a start BuildKit
    /// never reported; <paramref name="endedAt"/> closes a step the build ended under (cancelled, stream cut).
    /// </summary>
    public static JobRecord Job(string jobId, long? projectId, TraceVertex vertex, DockerStepMeta meta, string? localPath,
        DateTimeOffset firstSeen, DockerStepStatus? overrideStatus = null, DateTimeOffset? endedAt = null,
        string? overrideMessage = null)
    {
        var status = overrideStatus ?? StatusOf(vertex);
        var started = vertex.Started ?? vertex.Completed ?? firstSeen;
        var stopped = IsFinal(status) ? vertex.Completed ?? endedAt ?? started : (DateTimeOffset?)null;
        if (stopped < started)
        {
            stopped = started;
        }

        var exitCode = status switch
        {
            DockerStepStatus.Failed => vertex.ExitCode,
            DockerStepStatus.Succeeded when meta.Keyword == "RUN" => 0,
            _ => null,
        };
        return new JobRecord(
            Id: jobId,
            BuildProjectId: projectId,
            Kind: JobKind.Docker,
            Name: string.IsNullOrEmpty(vertex.Name) ? vertex.Digest : vertex.Name,
            StartedAt: started,
            StoppedAt: stopped,
            State: status switch
            {
                DockerStepStatus.Pending or DockerStepStatus.Running => RunState.Running,
                DockerStepStatus.Cancelled => RunState.Cancelled,
                _ => RunState.Finished,
            },
            Result: status switch
            {
                DockerStepStatus.Cached or DockerStepStatus.Succeeded => RunResult.Succeeded,
                DockerStepStatus.Failed => RunResult.Failed,
                _ => null,
            },
            ExitCode: exitCode,
            Message: overrideMessage ?? vertex.Error,
            Cached: vertex.Cached,
            RecipeHash: vertex.Digest,
            RecipeMeta: (vertex.Inputs.Count > 0 ? meta with { Inputs = vertex.Inputs.ToArray() } : meta).ToJson(),
            LocalPath: localPath);
    }

    /// <summary>
    /// The Description of the step's events file: a <c>docker_step</c> recipe and the sandbox it ran in. A step BuildKit
    /// had <paramref name="cached"/> says <c>"cached": true</c> in its recipe, so its log ends without an exit code.
    /// </summary>
    public static ProcessDescription Description(DockerStepMeta meta, DockerfileInstruction? instruction, DateTimeOffset createdAt,
        bool cached = false)
    {
        var recipe = new Dictionary<string, object?>
        {
            ["type"] = DockerStepMeta.RecipeType,
            ["digest"] = meta.Digest,
            ["name"] = meta.Vertex,
            ["instruction"] = meta.Instruction,
            ["dockerfile"] = meta.Dockerfile,
            ["line"] = meta.Line,
            ["stage"] = meta.Stage,
            ["image"] = meta.Image,
        };
        if (cached)
        {
            recipe["cached"] = true;
        }

        var description = new ProcessDescription
        {
            Recipe = JsonSerializer.SerializeToElement(recipe, DockerStepMeta.Json.DictionaryStringObject),
            Meta = new ProcessMeta
            {
                // The Dockerfile line is the step's "stack trace": `logs` and `show` print it as Brioche's source frames.
                Source = meta.Dockerfile is not null && meta.Line is not null
                    ? [new RecipeStackFrame { FileName = meta.Dockerfile, LineNumber = meta.Line, ColumnNumber = 1 }]
                    : null,
                AdditionalProperties = new() { ["docker"] = meta.ToJsonElement() },
            },
        };
        description.SetCreatedAt(createdAt);
        if (instruction is not null)
        {
            var state = instruction.StateBefore;
            var sandbox = description.SandboxConfig;
            sandbox.CurrentDir = ProcessTemplate.Literal(state.WorkingDirectory);
            // Build args are visible to RUN as environment variables; ENV wins over an ARG of the same name.
            foreach (var (name, value) in state.Args)
            {
                sandbox.Env[name] = ProcessTemplate.Literal(value);
            }

            foreach (var (name, value) in state.Environment)
            {
                sandbox.Env[name] = ProcessTemplate.Literal(value);
            }

            sandbox.Networking = meta.NetworkMode is not null and not "none";
            if (instruction.Keyword == "RUN")
            {
                var (command, args) = instruction.RunCommand();
                sandbox.Command = ProcessTemplate.Literal(command);
                sandbox.Args = args.Select(ProcessTemplate.Literal).ToList();
            }
            if (state.User is { } user)
            {
                sandbox.AdditionalProperties = new() { ["user"] = JsonSerializer.SerializeToElement(user, DockerJsonContext.Default.String) };
            }
        }
        return description;
    }
}
