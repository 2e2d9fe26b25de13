namespace BriocheJob.Recording;

/// <summary>Diagnostic codes for recorded Docker builds, their MSBuild task and debug shells (BJ51xx).</summary>
public static class DockerRecordCodes
{
    /// <summary>A Dockerfile step failed (the MSBuild error at <c>Dockerfile(line)</c>).</summary>
    public const string StepFailed = "BJ5100";
    /// <summary>The build failed without a failing step (a Dockerfile the frontend rejects, a missing base image).</summary>
    public const string BuildFailed = "BJ5101";
    /// <summary>The build was cancelled.</summary>
    public const string BuildCancelled = "BJ5102";
    /// <summary>A job could not be saved to the store (a warning: the build goes on).</summary>
    public const string RecordFailed = "BJ5103";
    /// <summary>A job's events file could not be written (a warning).</summary>
    public const string EventsFailed = "BJ5104";
    /// <summary>The store could not be opened: the build runs unrecorded (a warning).</summary>
    public const string SessionFailed = "BJ5105";
    /// <summary>A <c>&lt;DockerImage&gt;</c> item with unusable metadata (bad BuildArgs, no context).</summary>
    public const string BadImageItem = "BJ5106";
    /// <summary>The Dockerfile could not be parsed, so steps are recorded without lines (a warning).</summary>
    public const string DockerfileUnmapped = "BJ5107";
    /// <summary>The build produced no image id although it succeeded.</summary>
    public const string NoImageId = "BJ5108";
    /// <summary>An imported trace with no steps in it.</summary>
    public const string ImportEmpty = "BJ5109";

    /// <summary>An unexpected failure inside the task: one error with its message, never a task crash.</summary>
    public const string Unexpected = "BJ5199";
}
