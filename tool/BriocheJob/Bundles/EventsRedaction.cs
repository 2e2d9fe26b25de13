using BriocheJob.Brioche;
using BriocheJob.Diagnostics;

namespace BriocheJob.Bundles;

/// <summary>
/// Rewrites an events file through our events writer with secrets redacted: secret environment variables of the
/// Description are masked, and secret values are replaced in the Description and in the output. Output is redacted
/// a line at a time (per stream), so a value split across two chunks is still found.
/// </summary>
public static class EventsRedaction
{
    /// <summary>Output held back waiting for a newline before it is written anyway.</summary>
    private const int MaxPendingBytes = 256 * 1024;

    /// <summary>Reads the secret environment variables of an events file's Description into <paramref name="redactor"/>.</summary>
    public static void CollectSecrets(string eventsPath, SecretRedactor redactor, string where)
    {
        var description = ProcessEventsReader.ReadDescription(eventsPath);
        foreach (var (name, template) in description.SandboxConfig.Env)
        {
            redactor.Consider(name, template.ToDisplayString(), where);
        }
    }

    public static void Rewrite(string sourcePath, string destinationPath, SecretRedactor redactor)
    {
        using var reader = ProcessEventsReader.Open(sourcePath);
        if (reader.ReadNext() is not DescriptionEvent first)
        {
            throw Catalog.Commands.NoDescription.Exception(sourcePath);
        }

        var description = first.Description;
        foreach (var name in description.SandboxConfig.Env.Keys.ToList())
        {
            if (redactor.IsSecretName(name))
            {
                description.SandboxConfig.Env[name] = ProcessTemplate.Literal(SecretRedactor.Mask);
            }
        }

        var json = redactor.Redact(System.Text.Encoding.UTF8.GetString(description.ToJsonBytes()));
        description = ProcessDescription.Parse(System.Text.Encoding.UTF8.GetBytes(json));

        using var stream = new FileStream(destinationPath, FileMode.CreateNew, FileAccess.Write);
        using var writer = new ProcessEventsWriter(stream, description, leaveOpen: true);
        var pending = new Dictionary<OutputStream, (MemoryStream Bytes, uint Elapsed)>
        {
            [OutputStream.Stdout] = (new MemoryStream(), 0),
            [OutputStream.Stderr] = (new MemoryStream(), 0),
        };

        void Flush(OutputStream which, bool all)
        {
            var (bytes, elapsed) = pending[which];
            var buffer = bytes.GetBuffer().AsSpan(0, (int)bytes.Length);
            int cut = all ? buffer.Length : buffer.LastIndexOf((byte)'\n') + 1;
            if (!all && cut == 0 && buffer.Length > MaxPendingBytes)
            {
                cut = buffer.Length - Math.Min(buffer.Length, redactor.LongestValueBytes);
            }

            if (cut <= 0)
            {
                return;
            }

            var redacted = redactor.Redact(buffer[..cut]);
            if (redacted.Length > 0)
            {
                writer.WriteOutput(which, redacted, elapsed);
            }

            var rest = buffer[cut..].ToArray();
            bytes.SetLength(0);
            bytes.Write(rest);
        }

        while (reader.ReadNext() is { } next)
        {
            if (next is OutputEvent output)
            {
                var (bytes, _) = pending[output.Stream];
                bytes.Write(output.Data.Span);
                pending[output.Stream] = (bytes, output.ElapsedMilliseconds);
                Flush(output.Stream, all: false);
                continue;
            }

            Flush(OutputStream.Stdout, all: true);
            Flush(OutputStream.Stderr, all: true);
            writer.Write(next is ExitedWithMessageEvent message ? message with { Message = redactor.Redact(message.Message) } : next);
        }

        Flush(OutputStream.Stdout, all: true);
        Flush(OutputStream.Stderr, all: true);
        writer.Complete();
    }
}
