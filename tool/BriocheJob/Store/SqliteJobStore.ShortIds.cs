namespace BriocheJob.Store;

/// <summary>The neighbouring ids short ids are worked out from (see <see cref="IdNeighbours"/>).</summary>
public sealed partial class SqliteJobStore
{
    public IReadOnlyList<IdNeighbours> FindIdNeighbours(IReadOnlyCollection<string> ids, IdTable table) =>
        Read(c => StoreSql.FindIdNeighbours(Commands(c), ids, table));
}
