using System.Globalization;

namespace BriocheJob.Retention;

/// <summary>Sizes as people write them (<c>5GB</c>, <c>500 MiB</c>, <c>1048576</c>) and as we print them.</summary>
public static class SizeText
{
    /// <summary>Parses a byte count with an optional unit: B, KB/K, MB/M, GB/G, TB/T (powers of 1024; KiB… also accepted).</summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        int end = 0;
        while (end < trimmed.Length && (char.IsAsciiDigit(trimmed[end]) || trimmed[end] == '.'))
        {
            end++;
        }

        if (!double.TryParse(trimmed[..end], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number))
        {
            return false;
        }

        long unit = trimmed[end..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => 0,
        };
        if (unit == 0 || number * unit > long.MaxValue)
        {
            return false;
        }

        bytes = (long)(number * unit);
        return true;
    }

    public static string Format(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1L << 20 => (bytes / 1024d).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        < 1L << 30 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / (double)(1L << 30)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
    };
}
