using Microsoft.Data.Sqlite;

namespace BriocheJob.Store;

/// <summary>The neighbouring ids short ids are worked out from (see <see cref="IdNeighbours"/>).</summary>
public sealed partial class SqliteJobStore
{
    public IReadOnlyList<IdNeighbours> FindIdNeighbours(IReadOnlyCollection<string> ids, IdTable table)
    {
        ArgumentNullException.ThrowIfNull(ids);
        string[] distinct = ids.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (distinct.Length == 0)
        {
            return [];
        }

        // The id columns are the primary keys, COLLATE NOCASE: each side is one step along that index.
        string name = table == IdTable.Builds ? "builds" : "jobs";
        return Read(c =>
        {
            const int Chunk = 500;
            var found = new List<IdNeighbours>(distinct.Length);
            for (int at = 0; at < distinct.Length; at += Chunk)
            {
                string[] chunk = distinct[at..Math.Min(distinct.Length, at + Chunk)];
                var parameters = chunk.Select((id, i) => ($"@i{i}", (object?)id)).ToArray();
                string values = string.Join(", ", parameters.Select(p => $"({p.Item1})"));
                using SqliteCommand command = Command(c, null,
                    $"WITH wanted(id) AS (VALUES {values}) SELECT w.id, " +
                    $"(SELECT t.id FROM {name} t WHERE t.id < w.id ORDER BY t.id DESC LIMIT 1), " +
                    $"(SELECT t.id FROM {name} t WHERE t.id > w.id ORDER BY t.id LIMIT 1) FROM wanted w;",
                    parameters);
                using SqliteDataReader reader = command.ExecuteReader();
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
