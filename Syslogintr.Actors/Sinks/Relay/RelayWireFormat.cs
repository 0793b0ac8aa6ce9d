using System.Text;
using Syslogintr.Ingest;
using Syslogintr.Sinks.Formatting;

namespace Syslogintr.Sinks.Relay;

/// <summary>
/// The bytes a relay sends for one message. RFC 3164 keeps the original program's wire format —
/// <c>&lt;PRI&gt;Mmm dd HH:mm:ss </c> + <c>host </c> (only for messages that came from the network) +
/// <c>program[pid]: msg</c>, the timestamp in the node's local time (receivers read an RFC 3164 timestamp as their
/// local time; rsyslog and the original write it so) — without its quirks: the PRI comes from the message's numeric facility and severity
/// (never <c>&lt;-2&gt;</c>), a message without a sender timestamp gets the time it was received (never the epoch),
/// the day is space-padded as RFC 3164 writes it, and a message without a program gets no empty tag.
/// RFC 5424 on request, as the shared formatter writes it. No framing: the transport adds that.
/// Control characters are written as <c>#ooo</c> in every field, as rsyslog does on receipt: TCP relays are
/// octet-counted (an LF could not split a frame there), but an LF in a UDP or unix datagram is taken for a message
/// boundary by some receivers, and a NUL ends the message for C ones.
/// </summary>
public static class RelayWireFormat
{
    /// <param name="zone">The node's time zone, which an RFC 3164 timestamp is written in.</param>
    public static byte[] Encode(SyslogMessage m, bool rfc5424, int maxBytes, TimeZoneInfo zone)
    {
        var text = rfc5424 ? SyslogFormatter.Format(m, OutputFormat.Rfc5424, escapeControl: true) : Rfc3164(m, zone);
        var bytes = Encoding.UTF8.GetBytes(text);
        return bytes.Length <= maxBytes ? bytes : bytes[..Utf8Boundary(bytes, maxBytes)];
    }

    public static string Rfc3164(SyslogMessage m, TimeZoneInfo zone)
    {
        var sb = new StringBuilder(64 + m.Message.Length);
        sb.Append('<').Append(m.Priority).Append('>');
        SyslogFormatter.AppendBsdTimestamp(sb, TimeZoneInfo.ConvertTime(m.Timestamp ?? m.ReceivedAt, zone));
        sb.Append(' ');
        var host = m.Hostname ?? m.Origin.RemoteAddress;
        if (m.Origin.Transport is Transport.Udp or Transport.Tcp or Transport.Tls && !string.IsNullOrEmpty(host))
        {
            SyslogFormatter.AppendText(sb, host, escapeControl: true);
            sb.Append(' ');
        }

        if (SyslogFormatter.AppendTag(sb, m, escapeControl: true))
        {
            sb.Append(' ');
        }

        SyslogFormatter.AppendText(sb, m.Message, escapeControl: true);
        return sb.ToString();
    }

    /// <summary>The largest length ≤ <paramref name="max"/> that does not split a UTF-8 sequence.</summary>
    private static int Utf8Boundary(byte[] bytes, int max)
    {
        var end = max;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80)
        {
            end--;
        }

        return end;
    }
}
