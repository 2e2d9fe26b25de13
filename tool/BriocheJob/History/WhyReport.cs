using System.Text;
using BriocheJob.Jobs;
using BriocheJob.Store;

namespace BriocheJob.History;

/// <summary>What <c>why</c> prints.</summary>
public static class WhyReport
{
    public static string Text(WhyAnswer answer, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var text = new StringBuilder();
        JobRecord job = answer.Job.Job;
        text.Append($"job       {job.Id}  {StoreText.Of(job.Kind)}, {JobDisplay.Outcome(job)}  {job.Name}\n");
        if (StepKeys.Of(answer.Job) is { } key)
        {
            text.Append($"step key  {key}\n");
        }

        if (answer.Previous is { } previous)
        {
            text.Append($"previous  {previous.Job.Id}  {JobDisplay.Outcome(previous.Job)}, in build {previous.Project?.BuildId ?? "?"}, started {JobDisplay.LocalTime(previous.Job.StartedAt, zone)}\n");
        }

        text.Append($"reason    {WhyAnswer.ReasonName(answer.Reason)}: {answer.Detail}\n");
        foreach (FieldChange change in answer.Changes)
        {
            text.Append($"  {change.Field}\n");
            text.Append($"    before: {change.Before ?? "(none)"}\n");
            text.Append($"    after:  {change.After ?? "(none)"}\n");
        }

        return text.ToString();
    }

    public static WhyJson Json(WhyAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return new WhyJson(
            JobJson.From(answer.Job),
            answer.Previous is null ? null : JobJson.From(answer.Previous),
            WhyAnswer.ReasonName(answer.Reason),
            answer.Changes.Select(c => new ChangeJson(c.Field, c.Before, c.After)).ToList(),
            answer.Ancestor is null ? null : JobJson.From(answer.Ancestor),
            answer.Detail);
    }
}
