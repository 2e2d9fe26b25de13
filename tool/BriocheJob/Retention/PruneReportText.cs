namespace BriocheJob.Retention;

/// <summary>The text <c>prune</c> prints: what it removed, counted, and the bytes it freed.</summary>
public static class PruneReportText
{
    public static void Write(PruneReport report, PrunePolicy policy, TextWriter output)
    {
        var verb = report.DryRun ? "would remove" : "removed";
        output.WriteLine($"policy: failed logs {policy.KeepFailedDays} days, the last {policy.KeepSucceeded} succeeded logs per recipe, job rows {policy.KeepRowsDays} days");
        output.WriteLine($"{verb} {report.FailedLogs} failed logs, {report.SucceededLogs} succeeded logs, {report.JobRows} job rows ({report.Builds} builds), {report.OrphanFiles} orphaned files");
        if (report.BriocheTemps is { } temps)
        {
            output.WriteLine($"{verb} {temps.Folders} Brioche process-temp folders from {temps.ProcessTempDir} ({SizeText.Format(temps.BytesFreed)}); kept {temps.KeptWithoutCopy} holding a job's only log");
            foreach (var problem in temps.Problems)
            {
                output.WriteLine($"warning: {problem}");
            }
        }

        if (report.DockerImages is { } images)
        {
            output.WriteLine($"{verb} {images.Removed.Count} debug images{(images.Removed.Count > 0 ? ": " + string.Join(' ', images.Removed) : "")}");
            if (images.InUse.Count > 0)
            {
                output.WriteLine($"kept {images.InUse.Count} debug images a container uses: {string.Join(' ', images.InUse)}");
            }
        }

        var freed = report.DryRun ? "would free" : "freed";
        output.WriteLine($"{freed} {SizeText.Format(report.TotalBytesFreed)} (logs {SizeText.Format(report.BytesFreed)}, " +
            $"database {SizeText.Format(report.DatabaseBytesFreed)}{(report.BriocheTemps is { } t ? $", process-temp {SizeText.Format(t.BytesFreed)}" : "")})");
        output.WriteLine($"kept {report.RunningSkipped} running jobs, {report.SharedFilesKept} logs another job points at, {report.OutsideHomeKept} logs outside the data home");
        if (report.Bounded)
        {
            output.WriteLine("stopped at the file limit; run prune again to go on");
        }
    }
}
