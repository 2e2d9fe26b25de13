namespace BriocheJob.Store;

/// <summary>The neighbouring ids short ids are worked out from (see <see cref="IdNeighbours"/>).</summary>
public sealed partial class SqliteJobStore
{
    public IReadOnlyList<IdNeighbours> FindIdNeighbours(IReadOnlyCollection<string> ids, IdTable table)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }

        // The id columns are the primary keys, COLLATE NOCASE: each side is one step along that index.
        string name = table == IdTable.Builds ? "builds" : "jobs";
        return Read(c => StoreSql.FindIdNeighbours(ids, StoreDialect.Sqlite, (values, parameters) => Command(c, null,
            $"WITH wanted(id) AS (VALUES {values}) SELECT w.id, " +
            $"(SELECT t.id FROM {name} t WHERE t.id < w.id ORDER BY t.id DESC LIMIT 1), " +
            $"(SELECT t.id FROM {name} t WHERE t.id > w.id ORDER BY t.id LIMIT 1) FROM wanted w;",
            parameters)));
    }
}
