using System.Text;

namespace Syslogintr.Hosting.Checking;

internal enum TokenKind
{
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    Comma,
    Assign,
    PlusAssign,
    Newline,
    Quoted,
    Unquoted,
    Substitution,
    End,
}

/// <summary>One HOCON token with where it is: <see cref="Start"/>/<see cref="End"/> are offsets, <see cref="Line"/> counts from 1.</summary>
internal readonly record struct HoconToken(TokenKind Kind, string Text, int Start, int End, int Line);

/// <summary>
/// Splits HOCON text into tokens that remember their line, which Akka's parser does not: its errors carry a
/// character position at best. Comments and spaces are dropped; an unterminated string or substitution is an error.
/// </summary>
internal static class HoconTokenizer
{
    // Characters that end an unquoted word. HOCON forbids more ('+', '*', ...); Akka's parser rejects those itself
    // with a position we turn into a line, and accepts '+' (severity = info+), so we do not second-guess it.
    private const string Delimiters = "{}[],:=\"#";

    public static List<HoconToken> Tokenize(string text, List<OutlineError> errors)
    {
        var tokens = new List<HoconToken>();
        var line = 1;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var start = i;
            if (c == '\n')
            {
                tokens.Add(new(TokenKind.Newline, "\n", i, ++i, line++));
            }
            else if (char.IsWhiteSpace(c) || c == '\uFEFF')
            {
                i++;
            }
            else if (c == '#' || (c == '/' && At(text, i, "//")))
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else if (c is '{' or '}' or '[' or ']' or ',' or '=' or ':')
            {
                var kind = c switch
                {
                    '{' => TokenKind.OpenBrace,
                    '}' => TokenKind.CloseBrace,
                    '[' => TokenKind.OpenBracket,
                    ']' => TokenKind.CloseBracket,
                    ',' => TokenKind.Comma,
                    _ => TokenKind.Assign,
                };
                tokens.Add(new(kind, c.ToString(), i, ++i, line));
            }
            else if (c == '+' && At(text, i, "+="))
            {
                i += 2;
                tokens.Add(new(TokenKind.PlusAssign, "+=", start, i, line));
            }
            else if (c == '$' && At(text, i, "${"))
            {
                var close = text.IndexOf('}', i);
                var newline = text.IndexOf('\n', i);
                if (close < 0 || (newline >= 0 && newline < close))
                {
                    errors.Add(new(line, null, "a substitution '${' has no closing '}' on its line"));
                    close = newline < 0 ? text.Length - 1 : newline - 1;
                }

                i = close + 1;
                tokens.Add(new(TokenKind.Substitution, text[start..i], start, i, line));
            }
            else if (c == '"')
            {
                var startLine = line;
                var value = At(text, i, "\"\"\"") ? TripleQuoted(text, ref i, ref line, errors) : Quoted(text, ref i, line, errors);
                tokens.Add(new(TokenKind.Quoted, value, start, i, startLine));
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && !Delimiters.Contains(text[i])
                    && !At(text, i, "//") && !At(text, i, "${") && !At(text, i, "+="))
                {
                    i++;
                }

                tokens.Add(new(TokenKind.Unquoted, text[start..i], start, i, line));
            }
        }

        tokens.Add(new(TokenKind.End, "", text.Length, text.Length, line));
        return tokens;
    }

    private static string Quoted(string text, ref int i, int line, List<OutlineError> errors)
    {
        var value = new StringBuilder();
        for (i++; i < text.Length && text[i] != '"' && text[i] != '\n'; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] != '\n')
            {
                i++;
            }

            value.Append(text[i]);
        }

        if (i < text.Length && text[i] == '"')
        {
            i++;
        }
        else
        {
            errors.Add(new(line, null, "a quoted string is not closed on its line (a missing '\"')"));
        }

        return value.ToString();
    }

    private static string TripleQuoted(string text, ref int i, ref int line, List<OutlineError> errors)
    {
        var startLine = line;
        var close = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
        if (close < 0)
        {
            errors.Add(new(startLine, null, "a \"\"\" string is never closed"));
            close = text.Length;
        }

        var value = text[(i + 3)..close];
        line += value.Count(ch => ch == '\n');
        i = Math.Min(text.Length, close + 3);
        return value;
    }

    private static bool At(string text, int i, string what) => string.CompareOrdinal(text, i, what, 0, what.Length) == 0;
}
