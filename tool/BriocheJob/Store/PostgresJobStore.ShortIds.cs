using Npgsql;

namespace BriocheJob.Store;

/// <summary>The neighbouring ids short ids are worked out from (see <see cref="IdNeighbours"/>).</summary>
public sealed partial class PostgresJobStore
{
    public IReadOnlyList<IdNeighbours> FindIdNeighbours(IReadOnlyCollection<string> ids, IdTable table)
    {
        ArgumentNullException.ThrowIfNull(ids);
        string[] distinct = ids.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (distinct.Length == 0)
        {
            return [];
        }

        // id_key is lower(id) in byte order and the primary key: each side is one step along that index.
        string name = table == IdTable.Builds ? "builds" : "jobs";
        return Run(c =>
        {
            // One statement per 500 ids, as parameters: the slim data source writes no arrays.
            const int Chunk = 500;
            var found = new List<IdNeighbours>(distinct.Length);
            for (int at = 0; at < distinct.Length; at += Chunk)
            {
                var parameters = distinct[at..Math.Min(distinct.Length, at + Chunk)].Select((id, i) => ($"i{i}", (object?)id)).ToArray();
                string values = string.Join(", ", parameters.Select(p => $"(@{p.Item1})"));
                using NpgsqlCommand command = Command(c, null,
                    "SELECT w.id, " +
                    $"(SELECT t.id FROM {name} t WHERE t.id_key < lower(w.id) ORDER BY t.id_key DESC LIMIT 1), " +
                    $"(SELECT t.id FROM {name} t WHERE t.id_key > lower(w.id) ORDER BY t.id_key LIMIT 1) " +
                    $"FROM (VALUES {values}) AS w(id);",
                    parameters);
                using NpgsqlDataReader reader = command.ExecuteReader();
                while (reader.Read())
                {
                    found.Add(new IdNeighbours(
                        reader.GetString(0),
                        reader.IsDBNull(1) ? null : reader.GetString(1),
                        reader.IsDBNull(2) ? null : reader.GetString(2)));
                }
            }

            return found;
        });
    }
}
