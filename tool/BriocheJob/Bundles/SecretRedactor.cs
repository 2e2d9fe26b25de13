using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BriocheJob.Bundles;

/// <summary>
/// Finds secrets by name (build args and environment variables whose names contain TOKEN, SECRET, PASSWORD or KEY,
/// any case, plus names given with <c>--redact</c>) and replaces their values with <see cref="Mask"/> wherever they
/// appear. Values shorter than <see cref="MinimumValueLength"/> are masked where they are named but not searched
/// for in text, where they would match everywhere.
/// </summary>
public sealed class SecretRedactor
{
    public const string Mask = "***";
    public const int MinimumValueLength = 4;

    private static readonly string[] Patterns = ["TOKEN", "SECRET", "PASSWORD", "KEY"];
    private static readonly JsonSerializerOptions JsonEscaping = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HashSet<string> _extraNames;
    private readonly Dictionary<string, (string Name, string Where)> _found = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _occurrences = new(StringComparer.Ordinal);
    private readonly HashSet<string> _tooShort = new(StringComparer.Ordinal);
    private List<(string Text, byte[] Bytes, string Name)>? _searchOrder;

    public SecretRedactor(IEnumerable<string>? extraNames = null)
    {
        _extraNames = new HashSet<string>(extraNames ?? [], StringComparer.OrdinalIgnoreCase);
    }

    public bool IsSecretName(string name) =>
        _extraNames.Contains(name) || Patterns.Any(p => name.Contains(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>Remembers a secret's value (only when its name looks secret); returns whether it did.</summary>
    public bool Consider(string name, string? value, string where)
    {
        if (!IsSecretName(name) || string.IsNullOrEmpty(value) || value == Mask)
        {
            return false;
        }

        if (value.Length < MinimumValueLength)
        {
            _tooShort.Add(name);
            _occurrences.TryAdd(name, 0);
            RecordWhere(name, where);
            return true;
        }

        if (!_found.ContainsKey(value))
        {
            _found[value] = (name, where);
        }

        _occurrences.TryAdd(name, 0);
        RecordWhere(name, where);
        _searchOrder = null;
        return true;
    }

    private readonly Dictionary<string, SortedSet<string>> _where = new(StringComparer.Ordinal);

    private void RecordWhere(string name, string where)
    {
        if (!_where.TryGetValue(name, out var set))
        {
            _where[name] = set = new SortedSet<string>(StringComparer.Ordinal);
        }

        set.Add(where);
    }

    /// <summary>Names whose values were too short to search for in text.</summary>
    public IReadOnlyCollection<string> TooShortToSearch => _tooShort;

    public bool HasSecrets => _found.Count > 0;

    /// <summary>Replaces every known secret value (and its JSON-escaped form) in <paramref name="text"/>.</summary>
    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text) || _found.Count == 0)
        {
            return text ?? "";
        }

        foreach (var (value, _, name) in SearchOrder())
        {
            int count = 0, at = 0;
            while ((at = text.IndexOf(value, at, StringComparison.Ordinal)) >= 0)
            {
                count++;
                at += value.Length;
            }

            if (count > 0)
            {
                text = text.Replace(value, Mask, StringComparison.Ordinal);
                _occurrences[name] += count;
            }
        }

        return text;
    }

    /// <summary>Replaces every known secret value in raw output bytes (which need not be UTF-8).</summary>
    public byte[] Redact(ReadOnlySpan<byte> data)
    {
        if (_found.Count == 0)
        {
            return data.ToArray();
        }

        byte[] current = data.ToArray();
        byte[] mask = Encoding.UTF8.GetBytes(Mask);
        foreach (var (_, value, name) in SearchOrder())
        {
            int at = current.AsSpan().IndexOf(value);
            if (at < 0)
            {
                continue;
            }

            using var output = new MemoryStream(current.Length);
            var rest = current.AsSpan();
            while (at >= 0)
            {
                output.Write(rest[..at]);
                output.Write(mask);
                _occurrences[name]++;
                rest = rest[(at + value.Length)..];
                at = rest.IndexOf(value);
            }

            output.Write(rest);
            current = output.ToArray();
        }

        return current;
    }

    /// <summary>The longest value any secret has, in UTF-8 bytes (how much output must be held back to catch one split across chunks).</summary>
    public int LongestValueBytes => SearchOrder().Select(s => s.Bytes.Length).DefaultIfEmpty(0).Max();

    /// <summary>What was redacted: one entry per secret name, where it was found, and how many values were replaced.</summary>
    public IReadOnlyList<BundleRedaction> Report() =>
        _occurrences.OrderBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => new BundleRedaction(o.Key, string.Join(", ", _where[o.Key]), o.Value))
            .ToList();

    private List<(string Text, byte[] Bytes, string Name)> SearchOrder()
    {
        if (_searchOrder is not null)
        {
            return _searchOrder;
        }

        var order = new List<(string, byte[], string)>();
        foreach (var (value, (name, _)) in _found)
        {
            order.Add((value, Encoding.UTF8.GetBytes(value), name));
            var escaped = JsonSerializer.Serialize(value, JsonEscaping)[1..^1];
            if (escaped != value)
            {
                order.Add((escaped, Encoding.UTF8.GetBytes(escaped), name));
            }
        }

        // Longest first, so a secret containing another is replaced whole.
        return _searchOrder = order.OrderByDescending(o => o.Item1.Length).ToList();
    }
}
