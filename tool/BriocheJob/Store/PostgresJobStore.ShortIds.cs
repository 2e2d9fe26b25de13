namespace BriocheJob.Store;

/// <summary>The neighbouring ids short ids are worked out from (see <see cref="IdNeighbours"/>).</summary>
public sealed partial class PostgresJobStore
{
    public IReadOnlyList<IdNeighbours> FindIdNeighbours(IReadOnlyCollection<string> ids, IdTable table)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }

        // id_key is lower(id) in byte order and the primary key: each side is one step along that index.
        string name = table == IdTable.Builds ? "builds" : "jobs";
        return Run(c => StoreSql.FindIdNeighbours(ids, StoreDialect.Postgres, (values, parameters) => Command(c, null,
            "SELECT w.id, " +
            $"(SELECT t.id FROM {name} t WHERE t.id_key < lower(w.id) ORDER BY t.id_key DESC LIMIT 1), " +
            $"(SELECT t.id FROM {name} t WHERE t.id_key > lower(w.id) ORDER BY t.id_key LIMIT 1) " +
            $"FROM (VALUES {values}) AS w(id);",
            parameters)));
    }
}
