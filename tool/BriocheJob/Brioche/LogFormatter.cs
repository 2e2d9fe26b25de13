using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace BriocheJob.Brioche;

/// <summary>
/// Turns log lines into bytes on a <see cref="LogOutput"/>: as <c>brioche jobs logs</c> prints them, or as JSON Lines
/// (<see cref="Json"/>). Output text is written from the recorded bytes as they are when they are valid UTF-8; invalid
/// bytes become U+FFFD exactly as decoding the line to a string would. A piece of a line longer than
/// <see cref="ProcessLogStreamer.MaxLineBytes"/> that the next piece continues is marked: a trailing <c>\</c> in
/// text, <c>"continued": true</c> in JSON.
/// </summary>
public abstract class LogFormatter
{
    protected LogFormatter(LogOutput output) => Output = output;

    public LogOutput Output { get; }

    /// <param name="escapeControls">Show control characters as <see cref="TerminalText"/> does (for a terminal).</param>
    public static LogFormatter Text(LogOutput output, bool escapeControls = false) => new TextLogFormatter(output, escapeControls);

    public static LogFormatter Json(LogOutput output) => new JsonLogFormatter(output);

    /// <summary>Writes a line that is not process output (stack frame, spawn, exit, abrupt end).</summary>
    public abstract void Write(LogLine line);

    /// <summary>Writes one output line (or piece) from its bytes; <paramref name="elapsed"/> counts from the spawn.</summary>
    public abstract void WriteOutput(OutputStream stream, long elapsedMilliseconds, ReadOnlySpan<byte> text, bool continued);

    /// <summary>
    /// Writes several whole output lines, each ending in <c>\n</c>, of one stream and time, byte for byte as
    /// <see cref="WriteOutput"/> would one by one; false (nothing written) when some line needs the per-line path.
    /// </summary>
    public virtual bool TryWriteOutputLines(OutputStream stream, long elapsedMilliseconds, ReadOnlySpan<byte> lines) => false;

    public void Flush() => Output.Flush();

    /// <summary>The string a line's bytes decode to, as the in-memory log has it.</summary>
    protected static string Decode(ReadOnlySpan<byte> text) => OutputLineAssembler.Decode(text);

    private sealed class TextLogFormatter(LogOutput output, bool escapeControls) : LogFormatter(output)
    {
        private long _prefixMilliseconds = -1;
        private byte[] _prefix = [];

        public override void Write(LogLine line)
        {
            var text = escapeControls ? TerminalText.Escape(line.Render()) : line.Render();
            var span = Output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length) + 1);
            var length = Encoding.UTF8.GetBytes(text, span);
            span[length] = (byte)'\n';
            Output.Advance(length + 1);
        }

        private byte[] Prefix(long elapsedMilliseconds)
        {
            if (elapsedMilliseconds != _prefixMilliseconds)
            {
                _prefixMilliseconds = elapsedMilliseconds;
                _prefix = Encoding.UTF8.GetBytes($"[{ElapsedFormat.Format(TimeSpan.FromMilliseconds(elapsedMilliseconds))}] ");
            }
            return _prefix;
        }

        public override bool TryWriteOutputLines(OutputStream stream, long elapsedMilliseconds, ReadOnlySpan<byte> lines)
        {
            // A newline never splits a UTF-8 sequence, so valid lines make a valid block and the reverse.
            if (!Utf8.IsValid(lines) || escapeControls && TerminalText.NeedsEscapingUtf8(lines))
            {
                return false;
            }
            ReadOnlySpan<byte> prefix = Prefix(elapsedMilliseconds);
            var span = Output.GetSpan();
            var used = 0;
            while (!lines.IsEmpty)
            {
                var length = lines.IndexOf((byte)'\n') + 1;
                if (span.Length - used < prefix.Length + length)
                {
                    Output.Advance(used);
                    used = 0;
                    span = Output.GetSpan(prefix.Length + length);
                }
                prefix.CopyTo(span[used..]);
                used += prefix.Length;
                lines[..length].CopyTo(span[used..]);
                used += length;
                lines = lines[length..];
            }
            Output.Advance(used);
            return true;
        }

        public override void WriteOutput(OutputStream stream, long elapsedMilliseconds, ReadOnlySpan<byte> text, bool continued)
        {
            Output.Write(Prefix(elapsedMilliseconds));
            ReadOnlySpan<byte> valid = Utf8.IsValid(text) ? text : Encoding.UTF8.GetBytes(Decode(text));
            if (escapeControls)
            {
                TerminalText.EscapeUtf8(valid, Output);
            }
            else
            {
                Output.Write(valid);
            }
            if (continued)
            {
                Output.WriteByte((byte)'\\');
            }
            Output.WriteByte((byte)'\n');
        }
    }

    private sealed class JsonLogFormatter : LogFormatter
    {
        private static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
        private static readonly JsonEncodedText StreamName = JsonEncodedText.Encode("stream");
        private static readonly JsonEncodedText ElapsedMs = JsonEncodedText.Encode("elapsedMs");
        private static readonly JsonEncodedText TextName = JsonEncodedText.Encode("text");
        private static readonly JsonEncodedText Continued = JsonEncodedText.Encode("continued");
        private static readonly JsonEncodedText OutputKind = JsonEncodedText.Encode("output");
        private static readonly JsonEncodedText Stdout = JsonEncodedText.Encode("stdout");
        private static readonly JsonEncodedText Stderr = JsonEncodedText.Encode("stderr");

        private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

        private readonly Utf8JsonWriter _writer;

        public JsonLogFormatter(LogOutput output)
            : base(output)
        {
            // Human-facing JSON: quotes, &, <, > and non-ASCII text stay readable (still valid JSON), as in show --json.
            _writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = Encoder });
        }

        public override void Write(LogLine line)
        {
            _writer.Reset(Output);
            _writer.WriteStartObject();
            _writer.WriteString(Kind, KindName(line.Kind));
            if (line.StreamName is { } stream)
            {
                _writer.WriteString(StreamName, stream);
            }
            else
            {
                _writer.WriteNull(StreamName);
            }
            if (line.ElapsedMilliseconds is { } elapsed)
            {
                _writer.WriteNumber(ElapsedMs, elapsed);
            }
            else
            {
                _writer.WriteNull(ElapsedMs);
            }
            _writer.WriteString(TextName, line.Text);
            _writer.WriteEndObject();
            _writer.Flush();
            Output.WriteByte((byte)'\n');
        }

        private long _prefixMilliseconds = -1;
        private OutputStream _prefixStream;
        private byte[] _prefix = [];

        private byte[] Prefix(OutputStream stream, long elapsedMilliseconds)
        {
            if (elapsedMilliseconds != _prefixMilliseconds || stream != _prefixStream)
            {
                _prefixMilliseconds = elapsedMilliseconds;
                _prefixStream = stream;
                _prefix = Encoding.UTF8.GetBytes(
                    $"{{\"kind\":\"output\",\"stream\":\"{(stream == OutputStream.Stdout ? "stdout" : "stderr")}\",\"elapsedMs\":{elapsedMilliseconds},\"text\":\"");
            }
            return _prefix;
        }

        public override bool TryWriteOutputLines(OutputStream stream, long elapsedMilliseconds, ReadOnlySpan<byte> lines)
        {
            if (!Utf8.IsValid(lines))
            {
                return false;
            }
            ReadOnlySpan<byte> suffix = "\"}\n"u8;
            while (!lines.IsEmpty)
            {
                // The first byte to escape is most often the line's own newline: then the line goes out as it is.
                var first = JavaScriptEncoder.Default.FindFirstCharacterToEncodeUtf8(lines);
                var length = lines[first] == (byte)'\n' ? first : lines.IndexOf((byte)'\n');
                if (length == first)
                {
                    ReadOnlySpan<byte> prefix = Prefix(stream, elapsedMilliseconds);
                    var span = Output.GetSpan(prefix.Length + length + suffix.Length);
                    prefix.CopyTo(span);
                    lines[..length].CopyTo(span[prefix.Length..]);
                    suffix.CopyTo(span[(prefix.Length + length)..]);
                    Output.Advance(prefix.Length + length + suffix.Length);
                }
                else
                {
                    WriteOutput(stream, elapsedMilliseconds, lines[..length], continued: false);
                }
                lines = lines[(length + 1)..];
            }
            return true;
        }

        public override void WriteOutput(OutputStream stream, long elapsedMilliseconds, ReadOnlySpan<byte> text, bool continued)
        {
            // Most lines need no escaping: write them around a cached prefix, byte for byte what the writer would.
            if (!continued && Utf8.IsValid(text) && Encoder.FindFirstCharacterToEncodeUtf8(text) < 0)
            {
                Output.Write(Prefix(stream, elapsedMilliseconds));
                Output.Write(text);
                Output.Write("\"}\n"u8);
                return;
            }
            _writer.Reset(Output);
            _writer.WriteStartObject();
            _writer.WriteString(Kind, OutputKind);
            _writer.WriteString(StreamName, stream == OutputStream.Stdout ? Stdout : Stderr);
            _writer.WriteNumber(ElapsedMs, elapsedMilliseconds);
            if (Utf8.IsValid(text))
            {
                _writer.WriteString(TextName, text);
            }
            else
            {
                _writer.WriteString(TextName, Decode(text));
            }
            if (continued)
            {
                _writer.WriteBoolean(Continued, true);
            }
            _writer.WriteEndObject();
            _writer.Flush();
            Output.WriteByte((byte)'\n');
        }

        private static string KindName(LogLineKind kind) => kind switch
        {
            LogLineKind.StackFrame => "stackFrame",
            LogLineKind.Spawned => "spawned",
            LogLineKind.Output => "output",
            LogLineKind.Exit => "exit",
            _ => "endedAbruptly",
        };
    }
}
