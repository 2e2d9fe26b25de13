using BriocheJob.Store;

namespace BriocheJob.History;

/// <summary>
/// Each job's <see cref="StepMeta"/> and step key, worked out once per command: a diff or an analysis asks for them
/// several times per job, and parsing a job's recipe meta is what costs. Keyed by reference (a view is a record, and
/// two jobs can be equal field by field only if they are the same row).
/// </summary>
internal sealed class StepMetaCache
{
    private readonly Dictionary<JobRecord, StepMeta> _metas = new(ReferenceEqualityComparer.Instance);

    public StepMeta Of(JobView view) => Of(view.Job);

    public StepMeta Of(JobRecord job)
    {
        if (!_metas.TryGetValue(job, out StepMeta? meta))
        {
            _metas[job] = meta = StepMeta.Of(job);
        }

        return meta;
    }
}
