using System.Text;

namespace BriocheJob.Cli;

/// <summary>Standard output with <see cref="TerminalText"/>'s rule applied to everything written through it.</summary>
internal sealed class EscapingWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // matches the base property's nullability contract
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    public override void Write(char value)
    {
        if (TerminalText.NeedsEscaping([value]))
        {
            inner.Write(TerminalText.Escape(value.ToString()));
        }
        else
        {
            inner.Write(value);
        }
    }

    public override void Write(string? value)
    {
        if (value is not null)
        {
            inner.Write(TerminalText.Escape(value));
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (TerminalText.NeedsEscaping(buffer))
        {
            inner.Write(TerminalText.Escape(buffer.ToString()));
        }
        else
        {
            inner.Write(buffer);
        }
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        inner.WriteLine();
    }

    public override void WriteLine() => inner.WriteLine();

    public override void Flush() => inner.Flush();
}
