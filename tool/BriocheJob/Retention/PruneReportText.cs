namespace BriocheJob.Retention;

/// <summary>The text <c>prune</c> prints: what it removed, counted, and the bytes it freed.</summary>
public static class PruneReportText
{
    public static void Write(PruneReport report, PrunePolicy policy, TextWriter output)
    {
        var verb = report.DryRun ? "would remove" : "removed";
        output.WriteLine($"policy: failed logs {policy.KeepFailedDays} days, the last {Counted.Of(policy.KeepSucceeded, "succeeded log")} per recipe, job rows {policy.KeepRowsDays} days");
        output.WriteLine($"{verb} {Counted.Of(report.FailedLogs, "failed log")}, {Counted.Of(report.SucceededLogs, "succeeded log")}, {Counted.Of(report.JobRows, "job row")} ({Counted.Of(report.Builds, "build")}), {Counted.Of(report.OrphanFiles, "orphaned file")}");
        if (report.BriocheTemps is { } temps)
        {
            output.WriteLine($"{verb} {Counted.Of(temps.Folders, "Brioche process-temp folder")} from {temps.ProcessTempDir} ({SizeText.Format(temps.BytesFreed)}); kept {temps.KeptWithoutCopy} holding a job's only log");
            foreach (var problem in temps.Problems)
            {
                output.WriteLine($"warning: {problem}");
            }
        }

        if (report.DockerImages is { } images)
        {
            output.WriteLine($"{verb} {Counted.Of(images.Removed.Count, "debug image")}{(images.Removed.Count > 0 ? ": " + string.Join(' ', images.Removed) : "")}");
            if (images.InUse.Count > 0)
            {
                output.WriteLine($"kept {Counted.Of(images.InUse.Count, "debug image")} a container uses: {string.Join(' ', images.InUse)}");
            }
        }

        var freed = report.DryRun ? "would free" : "freed";
        output.WriteLine($"{freed} {SizeText.Format(report.TotalBytesFreed)} (logs {SizeText.Format(report.BytesFreed)}, " +
            $"database {SizeText.Format(report.DatabaseBytesFreed)}{(report.BriocheTemps is { } t ? $", process-temp {SizeText.Format(t.BytesFreed)}" : "")})");
        output.WriteLine($"kept {Counted.Of(report.RunningSkipped, "running job")}, {Counted.Of(report.SharedFilesKept, "log")} another job points at, {Counted.Of(report.OutsideHomeKept, "log")} outside the data home");
        if (report.Bounded)
        {
            output.WriteLine("stopped at the file limit; run prune again to go on");
        }
    }
}
