namespace BriocheJob.Store;

/// <summary>The neighbouring ids short ids are worked out from (see <see cref="IdNeighbours"/>).</summary>
public sealed partial class PostgresJobStore
{
    public IReadOnlyList<IdNeighbours> FindIdNeighbours(IReadOnlyCollection<string> ids, IdTable table)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return ids.Count == 0 ? [] : Run(c => StoreSql.FindIdNeighbours(Commands(c), ids, table));
    }
}
