using System.Text;

namespace BriocheJob.Brioche;

/// <summary>
/// Brioche's "tick encoding" of byte strings inside recipe and sandbox templates: bytes 0x09, 0x0A, 0x0D and
/// 0x20..0x7E pass through except the backtick, which doubles; any other byte is a backtick plus two uppercase hex digits.
/// </summary>
public static class TickEncoding
{
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b == (byte)'`')
            {
                builder.Append("``");
            }
            else if (b is 0x09 or 0x0A or 0x0D || b is >= 0x20 and <= 0x7E)
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('`').Append(b.ToString("X2"));
            }
        }
        return builder.ToString();
    }

    public static string Encode(string text) => Encode(Encoding.UTF8.GetBytes(text));

    /// <summary>Decodes strictly; a dangling backtick or bad hex throws <see cref="FormatException"/>.</summary>
    public static byte[] Decode(string encoded)
    {
        if (!TryDecode(encoded, out var bytes, out var error))
        {
            throw new FormatException(error);
        }
        return bytes;
    }

    public static bool TryDecode(string encoded, out byte[] bytes, out string? error)
    {
        var output = new List<byte>(encoded.Length);
        error = null;
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c != '`')
            {
                if (c > 0x7F)
                {
                    // Not produced by Brioche, but keep the text rather than lose it.
                    output.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                }
                else
                {
                    output.Add((byte)c);
                }
                continue;
            }
            if (i + 1 < encoded.Length && encoded[i + 1] == '`')
            {
                output.Add((byte)'`');
                i++;
                continue;
            }
            if (i + 2 < encoded.Length && IsHex(encoded[i + 1]) && IsHex(encoded[i + 2]))
            {
                output.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
                i += 2;
                continue;
            }
            bytes = [];
            error = $"invalid tick escape at character {i} of a tick-encoded string";
            return false;
        }
        bytes = output.ToArray();
        return true;
    }

    /// <summary>Decodes for display: UTF-8 with replacement characters; undecodable input is shown as is.</summary>
    public static string DecodeToDisplayString(string encoded)
        => TryDecode(encoded, out var bytes, out _) ? Encoding.UTF8.GetString(bytes) : encoded;

    private static bool IsHex(char c) => c is >= '0' and <= '9' or >= 'A' and <= 'F' or >= 'a' and <= 'f';
}
