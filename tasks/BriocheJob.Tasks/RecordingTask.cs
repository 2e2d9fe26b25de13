using BriocheJob.Diagnostics;
using Microsoft.Build.Framework;

namespace BriocheJob.Tasks;

/// <summary>
/// What both tasks share: Ctrl+C cancels the engine's run, a coded failure is one error with its code, and a bug of
/// ours is one error (never a task crash with a stack trace). The token source is disposed when Execute returns.
/// </summary>
public abstract class RecordingTask : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>What the task builds (<c>Brioche</c>, <c>Docker</c>), for its messages. Errors have no subcategory: <c>FILE(L,C): error BJxxxx: …</c>, as the CLI writes them.</summary>
    private protected abstract string BuildKind { get; }

    /// <summary>The code of an unexpected failure (BJ3099, BJ5199).</summary>
    private protected abstract Diagnostic Unexpected { get; }

    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Execute has already returned.
        }
    }

    public sealed override bool Execute()
    {
        try
        {
            return ExecuteAsync(_cancellation.Token).GetAwaiter().GetResult();
        }
        catch (BriocheJobException e)
        {
            Log.LogError(null, e.Code, null, null, 0, 0, 0, 0, e.Message);
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.LogError(null, Unexpected, null, null, 0, 0, 0, 0, Unexpected.Message(BuildKind, e.GetType().Name, e.Message));
            Log.LogMessage(MessageImportance.Low, e.ToString());
            return false;
        }
        finally
        {
            _cancellation.Dispose();
        }
    }

    /// <summary>Maps the task's arguments onto the engine and its outcome onto items and errors.</summary>
    private protected abstract Task<bool> ExecuteAsync(CancellationToken cancellationToken);
}
