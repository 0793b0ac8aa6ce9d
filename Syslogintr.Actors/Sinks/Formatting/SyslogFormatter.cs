using System.Globalization;
using System.Text;
using Syslogintr.Ingest;

namespace Syslogintr.Sinks.Formatting;

/// <summary>
/// Writes a <see cref="SyslogMessage"/> as one line of text, appending to a caller-owned <see cref="StringBuilder"/>
/// so a sink formats thousands of messages without allocating per message.
/// </summary>
public static class SyslogFormatter
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>Appends the message in <paramref name="format"/>, without a line terminator.</summary>
    /// <param name="escapeControl">Write control characters as <c>#ooo</c> octal escapes, as rsyslog does, so one message stays one line.</param>
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
    public static void AppendRfc3339Timestamp(StringBuilder sb, DateTimeOffset t)
    {
        Span<char> buffer = stackalloc char[40];
        t.TryFormat(buffer, out var written, "yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);
        sb.Append(buffer[..written]);
    }

    private static void AppendHostTagMessage(StringBuilder sb, SyslogMessage m, bool escapeControl)
    {
        sb.Append(' ').Append(m.Hostname ?? m.Origin.RemoteAddress ?? "-").Append(' ');
        if (!string.IsNullOrEmpty(m.AppName))
        {
            AppendText(sb, m.AppName, escapeControl);
            if (!string.IsNullOrEmpty(m.ProcId))
            {
                sb.Append('[');
                AppendText(sb, m.ProcId, escapeControl);
                sb.Append(']');
            }

            sb.Append(':');
            if (m.Message.Length == 0 || m.Message[0] != ' ')
            {
                sb.Append(' ');
            }
        }

        AppendText(sb, m.Message, escapeControl);
    }

    private static void AppendRfc5424(StringBuilder sb, SyslogMessage m, bool escapeControl)
    {
        sb.Append('<').Append(m.Priority).Append(">1 ");
        AppendRfc3339Timestamp(sb, m.Timestamp ?? m.ReceivedAt);
        sb.Append(' ');
        AppendField(sb, m.Hostname ?? m.Origin.RemoteAddress, 255);
        AppendField(sb, m.AppName, 48);
        AppendField(sb, m.ProcId, 128);
        AppendField(sb, m.MsgId, 32);
        if (m.StructuredData.Count == 0)
        {
            sb.Append('-');
        }

        foreach (var element in m.StructuredData)
        {
            sb.Append('[').Append(element.Id);
            foreach (var (name, value) in element.Parameters)
            {
                sb.Append(' ').Append(name).Append("=\"");
                foreach (var c in value)
                {
                    if (c is '"' or '\\' or ']')
                    {
                        sb.Append('\\');
                    }

                    sb.Append(c);
                }

                sb.Append('"');
            }

            sb.Append(']');
        }

        if (m.Message.Length > 0)
        {
            sb.Append(' ');
            AppendText(sb, m.Message, escapeControl);
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

    private static void AppendText(StringBuilder sb, string text, bool escapeControl)
    {
        if (!escapeControl || !text.AsSpan().ContainsAnyInRange('\0', '\x1f'))
        {
            sb.Append(text);
            return;
        }

        foreach (var c in text)
        {
            if (c < ' ')
            {
                sb.Append('#').Append((char)('0' + (c >> 6))).Append((char)('0' + ((c >> 3) & 7))).Append((char)('0' + (c & 7)));
            }
            else
            {
                sb.Append(c);
            }
        }
    }

    private static StringBuilder Append2(StringBuilder sb, int value) =>
        sb.Append((char)('0' + value / 10)).Append((char)('0' + value % 10));
}
