using System.Diagnostics;
using BriocheJob.BuildKit;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;

namespace BriocheJob.DebugShells;

/// <summary>
/// Carries out a <see cref="DockerDebugShellPlan"/>: rebuilds the Dockerfile up to the failed step (BuildKit's cache
/// makes this quick), runs a command or an interactive shell in the result, and removes the throwaway image.
/// </summary>
public sealed class DockerDebugShell(DockerEngineClient client)
{
    /// <summary>Builds the truncated Dockerfile and tags it <see cref="DockerDebugShellPlan.ImageTag"/>; throws BJ5111 when that build fails.</summary>
    public async Task<string> BuildAsync(DockerDebugShellPlan plan, CancellationToken cancellationToken = default)
    {
        var scratch = Directory.CreateTempSubdirectory("brioche-job-debug-").FullName;
        try
        {
            // Keep the Dockerfile's own name, so its <name>.dockerignore (copied beside it) still applies.
            var name = Path.GetFileName(plan.DockerfilePath);
            var dockerfile = Path.Combine(scratch, name);
            await File.WriteAllTextAsync(dockerfile, plan.TruncatedDockerfile, cancellationToken).ConfigureAwait(false);
            var ignore = plan.DockerfilePath + ".dockerignore";
            if (File.Exists(ignore))
            {
                File.Copy(ignore, dockerfile + ".dockerignore");
            }

            var context = BuildContext.Prepare(plan.ContextDirectory, dockerfile);
            var request = new DockerBuildRequest
            {
                BuildId = "brioche-job-debug-" + Guid.NewGuid().ToString("N"),
                Dockerfile = context.DockerfileNameInContext,
                Tags = [plan.ImageTag],
                Target = plan.Target,
                BuildArgs = plan.BuildArgs,
                Platform = plan.Platform,
                NetworkMode = plan.BuildNetworkMode,
            };
            var decoder = new BuildKitTraceDecoder();
            await using (var response = await client.BuildAsync(request, context.WriteTarAsync, cancellationToken).ConfigureAwait(false))
            {
                await foreach (var line in response.ReadLinesAsync(cancellationToken).ConfigureAwait(false))
                {
                    decoder.FeedJsonLine(line);
                }
            }
            var trace = decoder.Finish();
            if (trace.Error is { } error || trace.ImageId is null)
            {
                var step = trace.FailedVertex is { } failed ? $" at {failed.Name}" : "";
                throw Catalog.DockerBuild.DebugRebuildFailed.Exception(plan.DockerfilePath, plan.Line - 1, step,
                    trace.Error ?? "the engine returned no image id");
            }
            return trace.ImageId;
        }
        finally
        {
            try { Directory.Delete(scratch, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>Runs one command non-interactively in the step's environment and returns its exit code and output.</summary>
    public Task<ContainerRunResult> RunAsync(DockerDebugShellPlan plan, IReadOnlyList<string> command,
        CancellationToken cancellationToken = default) =>
        client.RunAsync(new ContainerRunRequest
        {
            Image = plan.ImageTag,
            Command = command,
            Entrypoint = [],
            WorkingDirectory = plan.WorkingDirectory,
            Environment = plan.Environment,
            User = plan.User,
            NetworkMode = plan.RunNetworkMode,
        }, cancellationToken);

    /// <summary>
    /// Runs <c>docker run --rm -it …</c> attached to this terminal and returns its exit code. Uses the engine this
    /// client talks to (<c>-H</c>); throws BJ5112 when no <c>docker</c> CLI is on PATH.
    /// </summary>
    public int RunInteractive(DockerDebugShellPlan plan, bool terminal, string dockerCli = "docker")
    {
        var executable = FindOnPath(dockerCli) ?? throw Catalog.DockerBuild.DockerCliMissing.Exception(dockerCli, plan.JobId);
        var start = new ProcessStartInfo(executable) { UseShellExecute = false };
        start.ArgumentList.Add("-H");
        start.ArgumentList.Add(client.Endpoint.Host);
        foreach (var argument in plan.DockerRunArguments(terminal))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>Removes the throwaway image; never throws (it is cleanup).</summary>
    public async Task<bool> RemoveImageAsync(DockerDebugShellPlan plan)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await client.RemoveImageAsync(plan.ImageTag, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BriocheJobException or OperationCanceledException)
        {
            return false;
        }
    }

    private static string? FindOnPath(string program)
    {
        if (program.Contains('/'))
        {
            return File.Exists(program) ? program : null;
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
