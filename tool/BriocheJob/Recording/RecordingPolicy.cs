using System.Data.Common;
using BriocheJob.Diagnostics;

namespace BriocheJob.Recording;

/// <summary>
/// Hears the problems of a recording: something could not be recorded, and the build goes on. Both kinds of
/// recorder (Brioche and Docker) and the imports report through this one method.
/// </summary>
public interface IRecordingObserver
{
    /// <summary>Something could not be recorded (a coded warning); the build goes on. Called from any thread.</summary>
    /// <param name="code">The catalogue's code (BJ3005, BJ5103…).</param>
    void Problem(string code, string message) { }
}

/// <summary>
/// The one recording-failure policy: which failures of the store or of job files a build survives. Recording
/// never breaks a user's build, so these become a <see cref="IRecordingObserver.Problem"/>; anything else is a bug
/// and goes up.
/// </summary>
public static class RecordingPolicy
{
    /// <summary>A failure of recording (store, data home, job files, a closed writer), not of the build.</summary>
    public static bool IsRecordingFailure(Exception exception) =>
        exception is BriocheJobException or IOException or UnauthorizedAccessException or DbException
            or InvalidOperationException; // ObjectDisposedException is one: a writer closed under us.

    /// <summary>
    /// Runs <paramref name="record"/>; a recording failure becomes the catalogue's <paramref name="problem"/> and false.
    /// Its message is the problem's format with <paramref name="args"/> and then the failure's own message (the why)
    /// in the last slot: <c>could not {0}: {1}</c> with <c>"record job 01…"</c>.
    /// </summary>
    public static bool Try(IRecordingObserver? observer, IDiagnosticMessage problem, Action record, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            record();
            return true;
        }
        catch (Exception e) when (IsRecordingFailure(e))
        {
            observer?.Problem(problem.Diagnostic.Code, problem.Message([.. args, e.Message]));
            return false;
        }
    }

    /// <summary>As <see cref="Try(IRecordingObserver?, IDiagnosticMessage, Action, object?[])"/>, for a recording that returns what it recorded (null when it failed).</summary>
    public static T? Try<T>(IRecordingObserver? observer, IDiagnosticMessage problem, Func<T> record, params object?[] args)
        where T : class
    {
        T? result = null;
        Try(observer, problem, () => { result = record(); }, args);
        return result;
    }
}
