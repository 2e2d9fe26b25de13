using System.Buffers;
using System.Text;

namespace BriocheJob;

/// <summary>
/// The one rule for text that reaches a terminal: control characters in recorded data (an ESC sequence in a log
/// line or a job name, a carriage return, a bell) are shown as <c>\xHH</c> (C0 and DEL) or <c>\uHHHH</c> (C1), so
/// a record cannot move the cursor, retitle the window or hide lines. Tab and the line feed that ends a line stay.
/// The CLI applies it to every text output unless the output is a pipe and <c>--raw</c> is given; JSON is already
/// escaped by its encoder. Both a string and a UTF-8 byte form, for writers of text and of streamed bytes.
/// </summary>
public static class TerminalText
{
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Where(c => c is not '\t' and not '\n').Select(c => (char)c), (char)0x7F, .. Enumerable.Range(0x80, 0x20).Select(c => (char)c)]);

    private static readonly SearchValues<byte> ControlBytes = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Where(c => c is not '\t' and not '\n').Select(c => (byte)c), 0x7F, 0xC2]);

    /// <summary>True when <paramref name="text"/> holds a character <see cref="Escape(string)"/> would change.</summary>
    public static bool NeedsEscaping(ReadOnlySpan<char> text) => text.ContainsAny(Controls);

    /// <summary>
    /// True when UTF-8 <paramref name="text"/> may hold a character <see cref="EscapeUtf8"/> would change (a line feed
    /// does not count; a C2 lead byte does, whether or not a C1 control follows it).
    /// </summary>
    public static bool NeedsEscapingUtf8(ReadOnlySpan<byte> text) => text.ContainsAny(ControlBytes);

    /// <summary>The text with its control characters escaped; the same instance when there is none.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int first = text.AsSpan().IndexOfAny(Controls);
        if (first < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        escaped.Append(text, 0, first);
        foreach (char c in text.AsSpan(first))
        {
            AppendEscaped(escaped, c);
        }

        return escaped.ToString();
    }

    /// <summary>Writes UTF-8 <paramref name="text"/> to <paramref name="output"/> with its control characters escaped.</summary>
    public static void EscapeUtf8(ReadOnlySpan<byte> text, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!text.IsEmpty)
        {
            int next = text.IndexOfAny(ControlBytes);
            if (next < 0)
            {
                output.Write(text);
                return;
            }

            output.Write(text[..next]);
            byte b = text[next];
            if (b == 0xC2 && next + 1 < text.Length && text[next + 1] is >= 0x80 and <= 0x9F)
            {
                // A C1 control in UTF-8 (U+0080-U+009F is C2 80-C2 9F).
                output.Write(Encoding.ASCII.GetBytes($"\\u{text[next + 1]:X4}"));
                text = text[(next + 2)..];
                continue;
            }

            output.Write(b == 0xC2 ? [b] : Encoding.ASCII.GetBytes($"\\x{b:x2}"));
            text = text[(next + 1)..];
        }
    }

    private static void AppendEscaped(StringBuilder escaped, char c)
    {
        if (c < 0x20 && c is not '\t' and not '\n' || c == 0x7F)
        {
            escaped.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (c is >= (char)0x80 and <= (char)0x9F)
        {
            escaped.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            escaped.Append(c);
        }
    }
}
