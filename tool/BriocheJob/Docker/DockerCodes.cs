namespace BriocheJob.Docker;

/// <summary>Diagnostic codes for the Docker engine, build contexts and Dockerfiles, and Docker debug shells (BJ5xxx).</summary>
public static class DockerCodes
{
    /// <summary>The engine does not answer (socket missing, connection refused, timeout).</summary>
    public const string EngineUnreachable = "BJ5001";
    /// <summary>DOCKER_HOST, a context or an explicit host string that cannot be used.</summary>
    public const string BadHost = "BJ5002";
    /// <summary>The engine answered with an error status.</summary>
    public const string EngineError = "BJ5003";
    /// <summary>The engine's answer could not be read (not JSON, missing fields).</summary>
    public const string BadResponse = "BJ5004";
    /// <summary>An image or container that does not exist.</summary>
    public const string NotFound = "BJ5005";
    /// <summary>The build context directory does not exist.</summary>
    public const string ContextMissing = "BJ5010";
    /// <summary>The Dockerfile does not exist.</summary>
    public const string DockerfileMissing = "BJ5011";
    /// <summary>A .dockerignore pattern that cannot be compiled.</summary>
    public const string BadIgnorePattern = "BJ5012";
    /// <summary>A Dockerfile that cannot be parsed.</summary>
    public const string BadDockerfile = "BJ5020";

    /// <summary>debug-shell was given a job that is not a Dockerfile step it can rebuild.</summary>
    public const string NotDebuggable = "BJ5110";
    /// <summary>Rebuilding up to the failed step failed.</summary>
    public const string DebugRebuildFailed = "BJ5111";
    /// <summary>The <c>docker</c> CLI, needed for an interactive shell, is missing.</summary>
    public const string DockerCliMissing = "BJ5112";
    /// <summary>The recorded Dockerfile changed or is gone since the build (a warning, or an error when gone).</summary>
    public const string DockerfileChanged = "BJ5113";
}
