using System.Buffers;
using System.Globalization;
using System.Text;
using Syslogintr.Ingest;

namespace Syslogintr.Sinks.Formatting;

/// <summary>
/// Writes a <see cref="SyslogMessage"/> as one line of text, appending to a caller-owned <see cref="StringBuilder"/>
/// so a sink formats thousands of messages without allocating per message.
/// One message is always one line: in every field, CR and LF are written as <c>#015</c> and <c>#012</c> whatever the
/// settings say, and with <c>escapeControl</c> every other C0 control character and DEL too (<c>#011</c> for a tab),
/// as rsyslog does. RFC 5424 header fields and SD names are printable US-ASCII by grammar: anything else there is
/// written as <c>_</c>. Unicode line separators (U+0085, U+2028, U+2029) are text: line-oriented tools (grep, tail,
/// fail2ban, logrotate) split files at LF only.
/// </summary>
public static class SyslogFormatter
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    private static readonly string[] Rfc3339Formats =
        [.. Enumerable.Range(0, 7).Select(digits => "yyyy-MM-dd'T'HH:mm:ss" + (digits == 0 ? "" : "." + new string('f', digits)) + "zzz")];

    private static readonly SearchValues<char> LineBreaks = SearchValues.Create("\r\n");
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        "\0\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f");

    /// <summary>Appends the message in <paramref name="format"/>, without a line terminator.</summary>
    /// <param name="escapeControl">Write every control character as a <c>#ooo</c> octal escape, as rsyslog does; CR and LF are escaped regardless.</param>
    public static void Append(StringBuilder sb, SyslogMessage m, OutputFormat format, bool escapeControl)
    {
        switch (format)
        {
            case OutputFormat.Rfc5424:
                AppendRfc5424(sb, m, escapeControl);
                break;
            case OutputFormat.Rfc3339:
                AppendRfc3339Timestamp(sb, m.Timestamp ?? m.ReceivedAt);
                AppendHostTagMessage(sb, m, escapeControl);
                break;
            default:
                AppendBsdTimestamp(sb, m.Timestamp ?? m.ReceivedAt);
                AppendHostTagMessage(sb, m, escapeControl);
                break;
        }
    }

    /// <summary>The message as a string in <paramref name="format"/> (for relays and tests; sinks use <see cref="Append"/>).</summary>
    public static string Format(SyslogMessage m, OutputFormat format, bool escapeControl = false)
    {
        var sb = new StringBuilder(128 + m.Message.Length);
        Append(sb, m, format, escapeControl);
        return sb.ToString();
    }

    /// <summary><c>Mmm dd HH:mm:ss</c> with a space-padded day, as RFC 3164 §4.1.2 writes it.</summary>
    public static void AppendBsdTimestamp(StringBuilder sb, DateTimeOffset t)
    {
        sb.Append(Months[t.Month - 1]).Append(' ');
        if (t.Day < 10)
        {
            sb.Append(' ');
        }

        sb.Append(t.Day).Append(' ');
        Append2(sb, t.Hour).Append(':');
        Append2(sb, t.Minute).Append(':');
        Append2(sb, t.Second);
    }

    /// <summary>RFC 3339 with microseconds and the numeric offset (<c>2026-11-29T03:37:42.814123+00:00</c>).</summary>
    public static void AppendRfc3339Timestamp(StringBuilder sb, DateTimeOffset t) => AppendRfc3339Timestamp(sb, t, 6);

    /// <summary>RFC 3339 with <paramref name="fractionDigits"/> (0–6, RFC 5424's limit) digits of the second and the numeric offset.</summary>
    /// <param name="zulu">Write a zero offset as <c>Z</c>.</param>
    public static void AppendRfc3339Timestamp(StringBuilder sb, DateTimeOffset t, int fractionDigits, bool zulu = false)
    {
        Span<char> buffer = stackalloc char[40];
        t.TryFormat(buffer, out var written, Rfc3339Formats[Math.Clamp(fractionDigits, 0, 6)], CultureInfo.InvariantCulture);
        if (zulu && t.Offset == TimeSpan.Zero)
        {
            sb.Append(buffer[..(written - "+00:00".Length)]).Append('Z');
            return;
        }

        sb.Append(buffer[..written]);
    }

    private static void AppendHostTagMessage(StringBuilder sb, SyslogMessage m, bool escapeControl)
    {
        sb.Append(' ');
        AppendText(sb, m.Hostname ?? m.Origin.RemoteAddress ?? "-", escapeControl);
        sb.Append(' ');
        if (AppendTag(sb, m, escapeControl) && (m.Message.Length == 0 || m.Message[0] != ' '))
        {
            sb.Append(' ');
        }

        AppendText(sb, m.Message, escapeControl);
    }

    /// <summary>Appends <c>program[pid]:</c> (no space after it); false, and nothing appended, for a message without a program.</summary>
    public static bool AppendTag(StringBuilder sb, SyslogMessage m, bool escapeControl)
    {
        if (string.IsNullOrEmpty(m.AppName))
        {
            return false;
        }

        AppendText(sb, m.AppName, escapeControl);
        if (!string.IsNullOrEmpty(m.ProcId))
        {
            sb.Append('[');
            AppendText(sb, m.ProcId, escapeControl);
            sb.Append(']');
        }

        sb.Append(':');
        return true;
    }

    private static void AppendRfc5424(StringBuilder sb, SyslogMessage m, bool escapeControl)
    {
        sb.Append('<').Append(m.Priority).Append(">1 ");
        // The sender's precision and offset, so a relay changes neither.
        AppendRfc3339Timestamp(sb, m.Timestamp ?? m.ReceivedAt, m.Timestamp is null ? 6 : m.TimestampPrecision ?? 6, m.Timestamp is not null && m.TimestampZulu);
        sb.Append(' ');
        AppendField(sb, m.Hostname ?? m.Origin.RemoteAddress, 255);
        AppendField(sb, m.AppName, 48);
        AppendField(sb, m.ProcId, 128);
        AppendField(sb, m.MsgId, 32);
        if (m.StructuredDataText is { } received)
        {
            // As received: element order, repeated names and escapes kept (the parser checked its grammar).
            AppendText(sb, received, escapeControl);
        }
        else if (m.StructuredData.Count == 0)
        {
            sb.Append('-');
        }
        else
        {
            AppendStructuredData(sb, m.StructuredData, escapeControl);
        }

        if (m.Message.Length > 0)
        {
            sb.Append(' ');
            AppendText(sb, m.Message, escapeControl);
        }
    }

    private static void AppendStructuredData(StringBuilder sb, IReadOnlyList<StructuredDataElement> elements, bool escapeControl)
    {
        foreach (var element in elements)
        {
            sb.Append('[');
            AppendSdName(sb, element.Id);
            foreach (var (name, value) in element.Parameters)
            {
                sb.Append(' ');
                AppendSdName(sb, name);
                sb.Append("=\"");
                foreach (var c in value)
                {
                    if (c is '"' or '\\' or ']')
                    {
                        sb.Append('\\').Append(c);
                    }
                    else if (MustEscape(c, escapeControl))
                    {
                        AppendOctal(sb, c);
                    }
                    else
                    {
                        sb.Append(c);
                    }
                }

                sb.Append('"');
            }

            sb.Append(']');
        }
    }

    /// <summary>A header field: NILVALUE when empty, otherwise printable ASCII without spaces, cut to the RFC's limit.</summary>
    private static void AppendField(StringBuilder sb, string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            sb.Append("- ");
            return;
        }

        var length = Math.Min(value.Length, maxLength);
        for (var i = 0; i < length; i++)
        {
            var c = value[i];
            sb.Append(c is > ' ' and < (char)127 ? c : '_');
        }

        sb.Append(' ');
    }

    /// <summary>SD-ID or PARAM-NAME (§6.3.2): 1–32 printable US-ASCII but '=', ']' and '"'; anything else as '_'.</summary>
    private static void AppendSdName(StringBuilder sb, string name)
    {
        if (name.Length == 0)
        {
            sb.Append('_');
        }

        foreach (var c in name.AsSpan(0, Math.Min(name.Length, 32)))
        {
            sb.Append(c is > ' ' and < (char)127 and not '=' and not ']' and not '"' ? c : '_');
        }
    }

    /// <summary>
    /// Appends free text (host, tag, message) with CR and LF — and, with <paramref name="escapeControl"/>, every
    /// control character — as <c>#ooo</c>, so the text cannot end the line it is written on.
    /// </summary>
    public static void AppendText(StringBuilder sb, string text, bool escapeControl)
    {
        if (!text.AsSpan().ContainsAny(escapeControl ? Controls : LineBreaks))
        {
            sb.Append(text);
            return;
        }

        foreach (var c in text)
        {
            if (MustEscape(c, escapeControl))
            {
                AppendOctal(sb, c);
            }
            else
            {
                sb.Append(c);
            }
        }
    }

    private static bool MustEscape(char c, bool escapeControl) =>
        c is '\n' or '\r' || (escapeControl && c is < ' ' or (char)127);

    private static void AppendOctal(StringBuilder sb, char c) =>
        sb.Append('#').Append((char)('0' + (c >> 6))).Append((char)('0' + ((c >> 3) & 7))).Append((char)('0' + (c & 7)));

    private static StringBuilder Append2(StringBuilder sb, int value) =>
        sb.Append((char)('0' + value / 10)).Append((char)('0' + value % 10));
}
