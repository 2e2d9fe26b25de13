using System.Text;

namespace BriocheJob.Docker;

/// <summary>
/// The word processing Dockerfile instructions apply to FROM, ARG, ENV, WORKDIR and USER: quote removal, the escape
/// character, and <c>$VAR</c>, <c>${VAR}</c>, <c>${VAR:-default}</c>, <c>${VAR-default}</c>, <c>${VAR:+alt}</c>,
/// <c>${VAR+alt}</c> expansion. Single quotes keep their content literal.
/// </summary>
internal sealed class DockerfileShellWords
{
    private readonly char _escape;

    public DockerfileShellWords(char escape) => _escape = escape;

    /// <summary>Splits on unquoted, unescaped whitespace; words keep their quotes for <see cref="Process"/>.</summary>
    public List<string> SplitRaw(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote == '\0' && char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                }

                current.Clear();
                inWord = false;
                continue;
            }

            inWord = true;
            current.Append(c);
            if (c == _escape && quote != '\'' && i + 1 < text.Length)
            {
                current.Append(text[++i]);
            }
            else if (quote == '\0' && c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == quote)
            {
                quote = '\0';
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>Expands variables and removes quotes from one word.</summary>
    public string Process(string word, Func<string, string?> lookup)
    {
        var result = new StringBuilder();
        var i = 0;
        ProcessUntil(word, ref i, lookup, result, stopAt: '\0', quote: '\0');
        return result.ToString();
    }

    private void ProcessUntil(string text, ref int i, Func<string, string?> lookup, StringBuilder result, char stopAt,
        char quote)
    {
        while (i < text.Length)
        {
            var c = text[i];
            if (quote == '\0' && stopAt != '\0' && c == stopAt)
            {
                return;
            }

            if (quote == '\'')
            {
                if (c == '\'')
                {
                    quote = '\0';
                }
                else
                {
                    result.Append(c);
                }

                i++;
                continue;
            }

            if (c == _escape && i + 1 < text.Length)
            {
                var next = text[i + 1];
                // Inside double quotes the escape only protects $, " and itself.
                if (quote == '"' && next != '$' && next != '"' && next != _escape)
                {
                    result.Append(c);
                }

                result.Append(next);
                i += 2;
                continue;
            }

            if (c == '"' && quote == '\0')
            {
                quote = '"';
                i++;
                continue;
            }

            if (c == '"' && quote == '"')
            {
                quote = '\0';
                i++;
                continue;
            }

            if (c == '\'' && quote == '\0')
            {
                quote = '\'';
                i++;
                continue;
            }

            if (c == '$')
            {
                i++;
                result.Append(Expand(text, ref i, lookup));
                continue;
            }

            result.Append(c);
            i++;
        }
    }

    private string Expand(string text, ref int i, Func<string, string?> lookup)
    {
        if (i >= text.Length)
        {
            return "$";
        }

        if (text[i] != '{')
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
            {
                i++;
            }

            return i == start ? "$" : lookup(text[start..i]) ?? "";
        }

        i++;
        var nameStart = i;
        while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
        {
            i++;
        }

        var name = text[nameStart..i];
        if (i >= text.Length)
        {
            return ""; // unterminated ${: Docker rejects it; expand to nothing rather than fail the whole parse
        }

        if (text[i] == '}')
        {
            i++;
            return lookup(name) ?? "";
        }

        var colon = text[i] == ':';
        if (colon)
        {
            i++;
        }

        var op = i < text.Length ? text[i] : '}';
        i++;
        var word = new StringBuilder();
        ProcessUntil(text, ref i, lookup, word, stopAt: '}', quote: '\0');
        if (i < text.Length && text[i] == '}')
        {
            i++;
        }

        var value = lookup(name);
        var set = colon ? !string.IsNullOrEmpty(value) : value is not null;
        return op switch
        {
            '-' => set ? value! : word.ToString(),
            '+' => set ? word.ToString() : "",
            '?' => value ?? "",
            _ => value ?? "",
        };
    }
}
