using System.Security.Cryptography;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.Store;

namespace BriocheJob.DebugShells;

/// <summary>
/// How to open a shell where a recorded Docker step failed: the Dockerfile cut just before the step's instruction,
/// built in the step's stage, then a container with the step's WORKDIR, ENV, USER and build args.
/// Made by <see cref="DockerDebugShellPlan.For"/> from the job's recorded meta and the Dockerfile as it is now.
/// </summary>
public sealed record DockerDebugShellPlan
{
    public required string JobId { get; init; }

    public required string DockerfilePath { get; init; }

    public required int Line { get; init; }

    /// <summary>The failed instruction as written (<c>RUN make test</c>).</summary>
    public required string Instruction { get; init; }

    /// <summary>What the step ran, for a RUN: <c>/bin/sh -c make test</c>; else null.</summary>
    public string? Command { get; init; }

    public required string Stage { get; init; }

    public required string ContextDirectory { get; init; }

    /// <summary>Every line before the failed instruction: its stage is the last one left.</summary>
    public required string TruncatedDockerfile { get; init; }

    /// <summary>The failed stage's AS name, when it has one (the last stage is built anyway).</summary>
    public string? Target { get; init; }

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public string? Platform { get; init; }

    /// <summary>For the rebuild: what the recorded build used.</summary>
    public string? BuildNetworkMode { get; init; }

    /// <summary>For the shell: <c>host</c> when the build had it, else <c>none</c>.</summary>
    public string RunNetworkMode { get; init; } = "none";

    public required string WorkingDirectory { get; init; }

    /// <summary>The step's ARG values then its ENV (ENV wins, as in a RUN).</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    public string? User { get; init; }

    /// <summary>The throwaway image: <c>brioche-job-debug:&lt;job id in lower case&gt;</c>.</summary>
    public required string ImageTag { get; init; }

    /// <summary>The recorded exit code, when the step failed with one.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Things to tell the user before the shell (the Dockerfile changed since the build).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public static string ImageTagFor(string jobId) => "brioche-job-debug:" + jobId.ToLowerInvariant();

    /// <summary>The plan for a recorded Docker job; throws BJ5110 for a job that is not a Dockerfile step, BJ5113 when its Dockerfile is gone or no longer has the step.</summary>
    public static DockerDebugShellPlan For(JobRecord job)
    {
        if (job.Kind != JobKind.Docker || DockerStepMeta.TryParse(job.RecipeMeta) is not { } meta)
        {
            throw Catalog.DockerBuild.NotDebuggable.Exception(job.Id);
        }

        if (meta.Dockerfile is null || meta.Line is not { } line)
        {
            throw Catalog.DockerBuild.NotAnInstruction.Exception(job.Id, job.Name);
        }

        if (!File.Exists(meta.Dockerfile))
        {
            throw Catalog.DockerBuild.DockerfileChanged.Exception(job.Id, meta.Dockerfile);
        }

        var bytes = File.ReadAllBytes(meta.Dockerfile);
        var warnings = new List<string>();
        if (meta.DockerfileSha256 is { } recorded && Convert.ToHexStringLower(SHA256.HashData(bytes)) != recorded)
        {
            warnings.Add(Catalog.DockerBuild.DockerfileEdited.Message(meta.Dockerfile, job.Id));
        }

        var text = System.Text.Encoding.UTF8.GetString(bytes);
        var buildArgs = meta.BuildArgs ?? new Dictionary<string, string>();
        var dockerfile = DockerfileParser.Parse(text, buildArgs, meta.Dockerfile);
        var instruction = dockerfile.AllInstructions.FirstOrDefault(i => i.Line == line);
        if (instruction is null || instruction.StageIndex < 0)
        {
            throw Catalog.DockerBuild.StepLineMoved.Exception(meta.Dockerfile, line, job.Id, meta.Instruction);
        }

        if (instruction.Keyword == "FROM")
        {
            throw Catalog.DockerBuild.StageStart.Exception(job.Id, meta.Dockerfile, line);
        }

        var written = $"{instruction.Keyword} {instruction.Arguments}".TrimEnd();
        if (meta.Instruction is { } was && !string.Equals(was, written, StringComparison.Ordinal))
        {
            warnings.Add(Catalog.DockerBuild.StepRewritten.Message(meta.Dockerfile, line, written, job.Id, was));
        }

        var stage = dockerfile.Stages[instruction.StageIndex];
        var state = instruction.StateBefore;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in state.Args)
        {
            environment[name] = value;
        }

        foreach (var (name, value) in state.Environment)
        {
            environment[name] = value;
        }

        var lines = text.Split('\n');
        string? command = null;
        if (instruction.Keyword == "RUN")
        {
            var (program, args) = instruction.RunCommand();
            command = string.Join(' ', [program, .. args]);
        }

        return new DockerDebugShellPlan
        {
            JobId = job.Id,
            DockerfilePath = meta.Dockerfile,
            Line = line,
            Instruction = written,
            Command = command,
            Stage = stage.DisplayName,
            ContextDirectory = meta.Context ?? Path.GetDirectoryName(meta.Dockerfile)!,
            TruncatedDockerfile = string.Join('\n', lines.Take(line - 1)) + "\n",
            Target = stage.Name,
            BuildArgs = buildArgs,
            Platform = meta.Platform,
            BuildNetworkMode = meta.NetworkMode,
            RunNetworkMode = meta.NetworkMode == "host" ? "host" : "none",
            WorkingDirectory = state.WorkingDirectory,
            Environment = environment,
            User = state.User,
            ImageTag = ImageTagFor(job.Id),
            ExitCode = job.ExitCode,
            Warnings = warnings,
        };
    }

    /// <summary>The <c>docker</c> CLI arguments of the interactive shell (after the optional <c>-H host</c>).</summary>
    public IReadOnlyList<string> DockerRunArguments(bool terminal, IReadOnlyList<string>? command = null)
    {
        var args = new List<string> { "run", "--rm", terminal ? "-it" : "-i", "--network", RunNetworkMode, "--entrypoint", "" };
        args.AddRange(["-w", WorkingDirectory]);
        foreach (var (name, value) in Environment)
        {
            args.AddRange(["-e", $"{name}={value}"]);
        }

        if (!string.IsNullOrEmpty(User))
        {
            args.AddRange(["-u", User]);
        }

        args.Add(ImageTag);
        args.AddRange(command is { Count: > 0 } ? command : ["/bin/sh"]);
        return args;
    }
}
