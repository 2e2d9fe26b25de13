using System.Security.Cryptography;
using BriocheJob.Diagnostics;

namespace BriocheJob.Store;

/// <summary>
/// ULIDs: 48-bit unix-millisecond time then 80 random bits, as 26 Crockford base32 characters (upper case).
/// Ids made by one process are strictly increasing: within the same millisecond the top of the random part counts up.
/// </summary>
public static class Ulid
{
    public const int Length = 26;

    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private const long MaxTimestamp = (1L << 48) - 1;

    private static readonly Lock Gate = new();
    private static long lastMilliseconds = -1;
    private static ulong lastRandomHigh; // upper 16 of the 80 random bits
    private static ulong lastRandomLow;  // lower 64 bits

    /// <summary>A new ULID for the current time, greater than every ULID this process made before.</summary>
    public static string NewUlid() => NewUlid(DateTimeOffset.UtcNow);

    /// <summary>A new ULID for <paramref name="time"/>, greater than every ULID this process made before.</summary>
    public static string NewUlid(DateTimeOffset time)
    {
        long milliseconds = Math.Clamp(time.ToUnixTimeMilliseconds(), 0, MaxTimestamp);
        ulong high, low;
        lock (Gate)
        {
            if (milliseconds <= lastMilliseconds)
            {
                // Same millisecond, or the clock stepped back: stay monotonic by counting up from the last id.
                // The step lands in the top random bits, so ids of one millisecond (the steps of one BuildKit
                // update) differ within a few characters and their short ids stay short.
                milliseconds = lastMilliseconds;
                high = lastRandomHigh + 1 + (ulong)RandomNumberGenerator.GetInt32(256);
                (_, low) = FreshRandom();
                if (high > 0xFFFF)
                {
                    // The top bits ran out within one millisecond: move to the next one.
                    milliseconds++;
                    (high, low) = FreshRandom();
                }
            }
            else
            {
                (high, low) = FreshRandom();
            }

            lastMilliseconds = milliseconds;
            lastRandomHigh = high;
            lastRandomLow = low;
        }

        return Format(milliseconds, high, low);
    }

    /// <summary>True for 26 Crockford base32 characters (either case) whose time does not overflow 48 bits.</summary>
    public static bool IsValid(string? text)
    {
        if (text is null || text.Length != Length || text[0] > '7')
        {
            return false;
        }

        foreach (char c in text)
        {
            if (DecodeChar(c) < 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The time encoded in a valid ULID.</summary>
    public static DateTimeOffset GetTimestamp(string ulid)
    {
        if (!IsValid(ulid))
        {
            throw Catalog.Store.NotAUlid.Exception(ulid);
        }

        long milliseconds = 0;
        for (int i = 0; i < 10; i++)
        {
            milliseconds = (milliseconds << 5) | (uint)DecodeChar(ulid[i]);
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }

    /// <summary>True when every character is Crockford base32 (either case); used to tell id prefixes apart.</summary>
    public static bool IsCrockfordText(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (DecodeChar(c) < 0)
            {
                return false;
            }
        }

        return text.Length > 0;
    }

    private static (ulong High, ulong Low) FreshRandom()
    {
        Span<byte> bytes = stackalloc byte[10];
        RandomNumberGenerator.Fill(bytes);
        ulong high = (ulong)bytes[0] << 8 | bytes[1];
        ulong low = BitConverter.ToUInt64(bytes[2..]);
        return (high, low);
    }

    internal static string Format(long milliseconds, ulong high, ulong low)
    {
        return string.Create(Length, (milliseconds, high, low), static (chars, state) =>
        {
            ulong time = (ulong)state.milliseconds;
            for (int i = 9; i >= 0; i--)
            {
                chars[i] = Alphabet[(int)(time & 31)];
                time >>= 5;
            }

            // 80 random bits: the 16 high bits then 64 low bits, written 5 bits at a time from the end.
            ulong low = state.low;
            ulong high = state.high;
            for (int i = Length - 1; i >= 10; i--)
            {
                chars[i] = Alphabet[(int)(low & 31)];
                low = (low >> 5) | ((high & 31) << 59);
                high >>= 5;
            }
        });
    }

    private static int DecodeChar(char c)
    {
        if (c is >= 'a' and <= 'z')
        {
            c = (char)(c - 32);
        }

        int index = c < 128 ? Alphabet.IndexOf(c) : -1;
        return index;
    }
}
