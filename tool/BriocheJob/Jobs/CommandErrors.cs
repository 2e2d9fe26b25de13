namespace BriocheJob.Jobs;

/// <summary>Diagnostic codes of the commands (BJ6010 and up; BJ6001-BJ6009 are the selectors').</summary>
public static class CommandErrors
{
    /// <summary>A job's events file is missing (Brioche deletes the folders of succeeded jobs).</summary>
    public const string EventsFileGone = "BJ6010";

    /// <summary>An option value is out of range or unknown (<c>--tail -1</c>, <c>--stream both</c>).</summary>
    public const string InvalidOption = "BJ6011";

    /// <summary>The <c>brioche</c> executable is not on PATH.</summary>
    public const string BriocheNotFound = "BJ6012";

    /// <summary>A debug shell is not available for this kind of job yet.</summary>
    public const string DebugShellUnsupported = "BJ6013";

    /// <summary>The Brioche data dir (or its process-temp folder) to import from does not exist.</summary>
    public const string BriocheDataDirNotFound = "BJ6014";

    /// <summary>A program the command runs could not be started.</summary>
    public const string StartFailed = "BJ6015";

    /// <summary>An unknown command (<c>dotnet brioche-job lst</c>).</summary>
    public const string UnknownCommand = "BJ6016";

    /// <summary>An unknown option or an argument the command does not take.</summary>
    public const string UnknownOption = "BJ6017";

    /// <summary>A required argument is missing (<c>trace</c> with no file).</summary>
    public const string MissingArgument = "BJ6018";

    /// <summary>A failure we did not expect: a defect. One line, exit 1; BRIOCHE_JOB_DEBUG=1 adds the stack trace.</summary>
    public const string Unexpected = "BJ6099";
}
