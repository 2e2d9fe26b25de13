using System.Text;

namespace BriocheJob.Jobs;

/// <summary>Left-aligned columns separated by two spaces; the last column is not padded.</summary>
public sealed class TextTable
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    public TextTable(params string[] headers) => _headers = headers;

    public int RowCount => _rows.Count;

    public void AddRow(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"expected {_headers.Length} cells, got {cells.Length}", nameof(cells));
        }

        _rows.Add(cells);
    }

    /// <summary>The header line and every row, each ending in a newline.</summary>
    public string Render()
    {
        var widths = new int[_headers.Length];
        foreach (string[] row in _rows.Prepend(_headers))
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        // Written straight into one builder sized for the widest rows (a table of 10,000 jobs is 80,000 cells): no
        // padded copy of each cell, and no growing the builder chunk by chunk.
        int padded = widths.Length == 0 ? 0 : widths.Sum() - widths[^1] + (2 * (widths.Length - 1));
        long capacity = 0;
        foreach (string[] row in _rows.Prepend(_headers))
        {
            capacity += padded + (row.Length == 0 ? 0 : row[^1].Length) + 1;
        }

        var text = new StringBuilder((int)Math.Min(capacity, Array.MaxLength / 2));
        foreach (string[] row in _rows.Prepend(_headers))
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
