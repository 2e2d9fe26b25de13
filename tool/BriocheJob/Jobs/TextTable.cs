using System.Text;

namespace BriocheJob.Jobs;

/// <summary>Left-aligned columns separated by two spaces; the last column is not padded.</summary>
public sealed class TextTable
{
    private readonly string[] headers;
    private readonly List<string[]> rows = [];

    public TextTable(params string[] headers) => this.headers = headers;

    public int RowCount => rows.Count;

    public void AddRow(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}", nameof(cells));
        }

        rows.Add(cells);
    }

    /// <summary>The header line and every row, each ending in a newline.</summary>
    public string Render()
    {
        var widths = new int[headers.Length];
        foreach (string[] row in rows.Prepend(headers))
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        // Written straight into one builder (a table of 10,000 jobs is 80,000 cells): no padded copy of each cell.
        var text = new StringBuilder();
        foreach (string[] row in rows.Prepend(headers))
        {
            int start = text.Length;
            for (int i = 0; i < row.Length; i++)
            {
                if (i > 0)
                {
                    text.Append("  ");
                }

                text.Append(row[i]);
                if (i < row.Length - 1 && row[i].Length < widths[i])
                {
                    text.Append(' ', widths[i] - row[i].Length);
                }
            }

            int end = text.Length;
            while (end > start && char.IsWhiteSpace(text[end - 1]))
            {
                end--;
            }

            text.Length = end;
            text.Append('\n');
        }

        return text.ToString();
    }
}
