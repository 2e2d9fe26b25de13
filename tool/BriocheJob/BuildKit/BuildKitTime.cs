using System.Globalization;

namespace BriocheJob.BuildKit;

/// <summary>Timestamp conversions for the wire forms BuildKit uses.</summary>
public static class BuildKitTime
{
    private static readonly long MinSeconds = (DateTimeOffset.MinValue.Ticks - DateTimeOffset.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;
    private static readonly long MaxSeconds = (DateTimeOffset.MaxValue.Ticks - DateTimeOffset.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond - 1;

    /// <summary>google.protobuf.Timestamp to UTC, clamped to the representable range (out-of-range values are garbage anyway).</summary>
    public static DateTimeOffset FromUnix(long seconds, int nanos)
    {
        seconds = Math.Clamp(seconds, MinSeconds, MaxSeconds);
        nanos = Math.Clamp(nanos, 0, 999_999_999);
        return new DateTimeOffset(DateTimeOffset.UnixEpoch.Ticks + seconds * TimeSpan.TicksPerSecond + nanos / 100, TimeSpan.Zero);
    }

    /// <summary>
    /// Parses an RFC 3339 time with up to nine fractional digits (Go's <c>time.RFC3339Nano</c>).
    /// Go's zero time (year 1) means "not set" and gives null.
    /// </summary>
    public static bool TryParseRfc3339(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        // .NET takes at most seven fractional digits: drop nanosecond digits beyond 100 ns.
        int dot = text.IndexOf('.');
        if (dot > 0)
        {
            int digitsEnd = dot + 1;
            while (digitsEnd < text.Length && char.IsAsciiDigit(text[digitsEnd]))
            {
                digitsEnd++;
            }

            if (digitsEnd - dot - 1 > 7)
            {
                text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(digitsEnd));
            }
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        if (parsed.Year > 1)
        {
            value = parsed.ToUniversalTime();
        }

        return true;
    }
}
