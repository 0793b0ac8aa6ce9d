using System.Text;

namespace Syslogintr.Ingest.Parsing;

/// <summary>
/// RFC 5424 (§6): <c>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]</c>
/// after the PRI. Strict: a message that breaks the grammar is reported with the reason, never half-read.
/// </summary>
internal sealed class Rfc5424Parser(StringCache strings, LocalClock local)
{
    private const byte Nil = (byte)'-';
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    private readonly List<StructuredDataElement> elements = [];
    private readonly List<KeyValuePair<string, string>> parameters = [];
    private byte[] unescaped = new byte[256];

    /// <summary>
    /// Reads everything after <c>&lt;PRI&gt;1 </c>. Returns null and fills <paramref name="fields"/>, or returns why
    /// the message is malformed.
    /// </summary>
    public string? Parse(ReadOnlySpan<byte> text, out ParsedFields fields)
    {
        fields = default;
        var pos = 0;

        if (!TryNextToken(text, ref pos, out var timestampText))
        {
            return "truncated header: no TIMESTAMP";
        }

        if (!IsNil(timestampText))
        {
            if (!Rfc3339Timestamp.TryParse(timestampText, strict: true, local, out var timestamp, out var used) || used != timestampText.Length)
            {
                return "invalid TIMESTAMP";
            }

            fields.Timestamp = timestamp;
            fields.TimestampPrecision = Rfc3339Timestamp.FractionDigits(timestampText);
            fields.TimestampZulu = timestampText[^1] == 'Z';
        }

        if (ReadHeaderField(text, ref pos, "HOSTNAME", 255, out fields.Hostname) is { } hostError)
        {
            return hostError;
        }

        if (ReadHeaderField(text, ref pos, "APP-NAME", 48, out fields.AppName) is { } appError)
        {
            return appError;
        }

        if (ReadHeaderField(text, ref pos, "PROCID", 128, out fields.ProcId) is { } procError)
        {
            return procError;
        }

        if (ReadHeaderField(text, ref pos, "MSGID", 32, out fields.MsgId) is { } msgIdError)
        {
            return msgIdError;
        }

        if (pos >= text.Length)
        {
            return "truncated header: no STRUCTURED-DATA";
        }

        if (text[pos] == Nil)
        {
            fields.StructuredData = [];
            pos++;
        }
        else
        {
            var start = pos;
            if (ReadStructuredData(text, ref pos, out fields.StructuredData) is { } sdError)
            {
                return sdError;
            }

            fields.StructuredDataText = Encoding.UTF8.GetString(text[start..pos]);
        }

        if (pos == text.Length)
        {
            fields.Message = string.Empty;
            return null;
        }

        if (text[pos] != ' ')
        {
            return "no space after STRUCTURED-DATA";
        }

        var msg = text[(pos + 1)..];
        if (msg.StartsWith(Bom))
        {
            msg = msg[Bom.Length..];
        }

        fields.Message = Encoding.UTF8.GetString(msg);
        return null;
    }

    private static bool IsNil(ReadOnlySpan<byte> token) => token.Length == 1 && token[0] == Nil;

    /// <summary>The bytes up to the next space (which is consumed); false at the end of the text.</summary>
    private static bool TryNextToken(ReadOnlySpan<byte> text, ref int pos, out ReadOnlySpan<byte> token)
    {
        var rest = text[pos..];
        var space = rest.IndexOf((byte)' ');
        if (space < 0)
        {
            token = default;
            return false;
        }

        token = rest[..space];
        pos += space + 1;
        return true;
    }

    /// <summary>HOSTNAME, APP-NAME, PROCID, MSGID: NILVALUE or 1*max PRINTUSASCII, followed by a space.</summary>
    private string? ReadHeaderField(ReadOnlySpan<byte> text, ref int pos, string name, int maxLength, out string? value)
    {
        value = null;
        if (!TryNextToken(text, ref pos, out var token))
        {
            return $"truncated header: no {name}";
        }

        if (token.IsEmpty)
        {
            return $"empty {name}";
        }

        if (token.Length > maxLength)
        {
            return $"{name} longer than {maxLength} characters";
        }

        foreach (var b in token)
        {
            if (b is < 33 or > 126)
            {
                return $"{name} contains a character other than printable US-ASCII";
            }
        }

        if (!IsNil(token))
        {
            value = strings.Get(token);
        }

        return null;
    }

    /// <summary>One or more <c>[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]</c>, §6.3.</summary>
    private string? ReadStructuredData(ReadOnlySpan<byte> text, ref int pos, out IReadOnlyList<StructuredDataElement> structuredData)
    {
        structuredData = [];
        if (text[pos] != '[')
        {
            return "STRUCTURED-DATA is neither '-' nor an element in brackets";
        }

        elements.Clear();
        while (pos < text.Length && text[pos] == '[')
        {
            pos++;
            if (ReadSdName(text, ref pos, "SD-ID", out var id) is { } idError)
            {
                return idError;
            }

            foreach (var seen in elements)
            {
                if (seen.Id == id)
                {
                    return $"duplicate SD-ID {id}";
                }
            }

            parameters.Clear();
            while (true)
            {
                if (pos >= text.Length)
                {
                    return "unterminated STRUCTURED-DATA";
                }

                if (text[pos] == ']')
                {
                    pos++;
                    break;
                }

                if (text[pos] != ' ')
                {
                    return $"unexpected character in SD-ELEMENT {id}";
                }

                pos++;
                if (ReadParameter(text, ref pos, id) is { } parameterError)
                {
                    return parameterError;
                }
            }

            elements.Add(new StructuredDataElement(id, parameters.ToArray()));
        }

        structuredData = elements.ToArray();
        return null;
    }

    /// <summary>SD-NAME: 1*32 PRINTUSASCII except '=', SP, ']' and '"'.</summary>
    private string? ReadSdName(ReadOnlySpan<byte> text, ref int pos, string what, out string name)
    {
        name = string.Empty;
        var start = pos;
        while (pos < text.Length && text[pos] is > 32 and < 127 and not (byte)'=' and not (byte)']' and not (byte)'"')
        {
            pos++;
        }

        if (pos >= text.Length)
        {
            return "unterminated STRUCTURED-DATA";
        }

        var length = pos - start;
        if (length == 0)
        {
            return $"empty or invalid {what}";
        }

        if (length > 32)
        {
            return $"{what} longer than 32 characters";
        }

        name = strings.Get(text[start..pos]);
        return null;
    }

    /// <summary><c>PARAM-NAME="PARAM-VALUE"</c> with the escapes <c>\"</c>, <c>\\</c> and <c>\]</c>.</summary>
    private string? ReadParameter(ReadOnlySpan<byte> text, ref int pos, string id)
    {
        if (ReadSdName(text, ref pos, "PARAM-NAME", out var name) is { } nameError)
        {
            return nameError;
        }

        if (text[pos] != '=' || pos + 1 >= text.Length || text[pos + 1] != '"')
        {
            return pos + 1 >= text.Length ? "unterminated STRUCTURED-DATA" : $"parameter {name} of {id} is not name=\"value\"";
        }

        pos += 2;
        var start = pos;
        var escaped = false;
        while (pos < text.Length && text[pos] != '"')
        {
            if (text[pos] == '\\' && pos + 1 < text.Length)
            {
                escaped = true;
                pos++;
            }

            pos++;
        }

        if (pos >= text.Length)
        {
            return "unterminated STRUCTURED-DATA";
        }

        var raw = text[start..pos];
        pos++; // the closing quote
        var value = escaped ? Encoding.UTF8.GetString(Unescape(raw)) : Encoding.UTF8.GetString(raw);
        parameters.Add(new KeyValuePair<string, string>(name, value));
        return null;
    }

    /// <summary>§6.3.3: a backslash before '"', '\' or ']' is dropped; before anything else it is an ordinary character.</summary>
    private ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> raw)
    {
        if (unescaped.Length < raw.Length)
        {
            unescaped = new byte[raw.Length];
        }

        var length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 1 < raw.Length && raw[i + 1] is (byte)'"' or (byte)'\\' or (byte)']')
            {
                i++;
            }

            unescaped[length++] = raw[i];
        }

        return unescaped.AsSpan(0, length);
    }
}
