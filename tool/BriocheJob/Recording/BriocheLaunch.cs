namespace BriocheJob.Recording;

/// <summary>
/// Our <c>brioche build</c> process, as its job trackers need it to tell our jobs from those of other brioche runs
/// sharing the same <c>BRIOCHE_DATA_DIR</c> (parallel MSBuild nodes). Safe to use from any thread.
/// </summary>
internal sealed class BriocheLaunch
{
    private readonly TaskCompletionSource<int?> _pid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _hasBegun;

    /// <summary>True once we are about to start brioche: before that, no job can be ours.</summary>
    public bool HasBegun => _hasBegun;

    /// <summary>Called just before <c>Process.Start</c>.</summary>
    public void Begin() => _hasBegun = true;

    /// <summary>Called once <c>Process.Start</c> returned (null: it failed).</summary>
    public void Started(int? pid) => _pid.TrySetResult(pid);

    /// <summary>
    /// Whether the job process <paramref name="jobPid"/> runs under our brioche (Brioche runs it under its own
    /// sandbox runner; the stand-in as its child). Null when that cannot be known (the process already exited).
    /// Blocks briefly when brioche is starting and its pid is not known yet, so call it from a tracker's thread.
    /// </summary>
    public bool? Owns(int jobPid)
    {
        if (!_hasBegun)
        {
            return false;
        }

        if (_pid.Task.GetAwaiter().GetResult() is not { } briochePid)
        {
            return false;
        }

        return ProcessAncestry.IsDescendantOf(jobPid, briochePid);
    }
}
