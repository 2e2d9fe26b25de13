using BriocheJob.Diagnostics;
using BriocheJob.Retention;
using BriocheJob.Store;
using Microsoft.Build.Framework;

namespace BriocheJob.Tasks;

/// <summary>
/// After the recording targets: a bounded prune with the default policy when the data home is over
/// <c>BriocheJobMaxSize</c> (default 5 GiB). <c>BriocheJobPrune=false</c> skips the target. It never fails a
/// build: any problem is one BJ1021 or BJ1022 warning.
/// </summary>
public sealed class BriocheJobAutoPrune : Microsoft.Build.Utilities.Task
{
    /// <summary>The data home; empty for the environment's (as the recording tasks).</summary>
    public string? BriocheJobHome { get; set; }

    /// <summary>The cap: a byte count with an optional unit (<c>5GB</c>, <c>500MB</c>); empty for 5 GiB.</summary>
    public string? MaxSize { get; set; }

    public override bool Execute()
    {
        long cap = AutoPrune.DefaultMaxBytes;
        if (!string.IsNullOrWhiteSpace(MaxSize) && !SizeText.TryParse(MaxSize, out cap))
        {
            Log.LogWarning(null, Catalog.Store.InvalidMaxSize, null, null, 0, 0, 0, 0,
                Catalog.Store.InvalidMaxSize.Message(MaxSize));
            return true;
        }

        try
        {
            var home = string.IsNullOrWhiteSpace(BriocheJobHome) ? DataHome.FromEnvironment() : new DataHome(BriocheJobHome);
            var (size, report) = AutoPrune.RunIfOverCap(home, cap, DateTimeOffset.UtcNow);
            if (report is not null)
            {
                Log.LogMessage(MessageImportance.High,
                    "brioche-job: the data home {0} holds {1}, over BriocheJobMaxSize {2}: pruned {3} failed logs, {4} succeeded logs, {5} job rows, {6} orphaned files, freed {7}{8}",
                    home.Root, SizeText.Format(size), SizeText.Format(cap), report.FailedLogs, report.SucceededLogs, report.JobRows,
                    report.OrphanFiles, SizeText.Format(report.TotalBytesFreed), report.Bounded ? " (bounded; run 'dotnet brioche-job prune' for the rest)" : "");
            }
        }
        catch (Exception e)
        {
            // Pruning is housekeeping: a problem with it never fails the user's build.
            Log.LogWarning(null, Catalog.Store.AutoPruneFailed, null, null, 0, 0, 0, 0,
                Catalog.Store.AutoPruneFailed.Message(e.GetType().Name, e.Message));
        }

        return true;
    }
}
