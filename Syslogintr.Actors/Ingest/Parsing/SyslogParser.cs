using System.Text;

namespace Syslogintr.Ingest.Parsing;

/// <summary>
/// Turns one framed syslog message into a <see cref="SyslogMessage"/>: RFC 5424 when it starts with
/// <c>&lt;PRI&gt;1 </c>, otherwise RFC 3164 as real senders write it. Never throws: a message it cannot read
/// comes back with <see cref="SyslogFormat.Unknown"/>, its raw text as the message and the reason in
/// <see cref="SyslogMessage.ParseError"/>. Not thread-safe (it interns repeated names): each listener thread owns one.
/// </summary>
public sealed class SyslogParser
{
    /// <summary>RFC 3164 §4.3.3: a message without PRI is user.notice.</summary>
    private const Facility DefaultFacility = Facility.User;
    private const Severity DefaultSeverity = Severity.Notice;
    private const int MaxPri = 191;

    private readonly StringCache strings = new();
    private readonly Rfc5424Parser rfc5424;
    private readonly Rfc3164Parser rfc3164;

    /// <param name="clock">Its time zone is taken as the sender's for timestamps without an offset (RFC 3164).</param>
    /// <param name="localHostName">See <see cref="LocalHostName"/>.</param>
    public SyslogParser(TimeProvider clock, string localHostName)
    {
        var local = new LocalClock(clock);
        rfc5424 = new Rfc5424Parser(strings, local);
        rfc3164 = new Rfc3164Parser(strings, local);
        LocalHostName = localHostName;
    }

    /// <summary>The host name given to messages from local (unix socket, internal) senders that name none.</summary>
    public string LocalHostName { get; }

    /// <summary>
    /// When true (the default), a message that names no host gets the sender's address (network) or
    /// <see cref="LocalHostName"/> (local). False leaves <see cref="SyslogMessage.Hostname"/> null, to show what was sent.
    /// </summary>
    public bool FillMissingHostname { get; init; } = true;

    /// <summary>Parses one frame (a datagram, or a frame cut by <see cref="Framing.StreamFramer"/>).</summary>
    /// <param name="raw">The bytes; copied into <see cref="SyslogMessage.Raw"/> without trailing LF, CR and NUL.</param>
    /// <param name="origin">Who sent it; gives the host name when the message names none.</param>
    /// <param name="receivedAt">When it was read; an RFC 3164 timestamp without a year gets the year around this instant.</param>
    /// <param name="truncated">The framer or listener cut it to the maximum message size.</param>
    public SyslogMessage Parse(ReadOnlySpan<byte> raw, Origin origin, DateTimeOffset receivedAt, bool truncated = false)
    {
        raw = TrimTrailers(raw);
        if (raw.IsEmpty)
        {
            return Unparsed(raw, origin, receivedAt, truncated, "empty message");
        }

        ParsedFields fields;
        if (raw[0] != '<')
        {
            rfc3164.Parse(raw, receivedAt, out fields);
            return Parsed(raw, origin, receivedAt, truncated, SyslogFormat.Rfc3164, null, version: 0, ref fields);
        }

        if (ReadPri(raw, out var pri, out var afterPri) is { } priError)
        {
            return Unparsed(raw, origin, receivedAt, truncated, priError);
        }

        var body = raw[afterPri..];
        if (body.Length >= 2 && body[0] == '1' && body[1] == ' ')
        {
            if (rfc5424.Parse(body[2..], out fields) is { } error)
            {
                return Unparsed(raw, origin, receivedAt, truncated, error, pri);
            }

            return Parsed(raw, origin, receivedAt, truncated, SyslogFormat.Rfc5424, pri, version: 1, ref fields);
        }

        rfc3164.Parse(body, receivedAt, out fields);
        return Parsed(raw, origin, receivedAt, truncated, SyslogFormat.Rfc3164, pri, version: 0, ref fields);
    }

    /// <summary>Senders end datagrams with LF, CRLF or NUL; none of it is message.</summary>
    private static ReadOnlySpan<byte> TrimTrailers(ReadOnlySpan<byte> raw)
    {
        var end = raw.Length;
        while (end > 0 && raw[end - 1] is (byte)'\n' or (byte)'\r' or 0)
        {
            end--;
        }

        return raw[..end];
    }

    /// <summary><c>&lt;PRIVAL&gt;</c>, 1–3 digits, 0–191 (RFC 5424 §6.2.1).</summary>
    private static string? ReadPri(ReadOnlySpan<byte> raw, out int pri, out int afterPri)
    {
        pri = 0;
        afterPri = 0;
        var pos = 1;
        while (pos < raw.Length && pos <= 4 && Digits.Is(raw[pos]))
        {
            pri = pri * 10 + (raw[pos] - '0');
            pos++;
        }

        if (pos == 1)
        {
            return pos < raw.Length && raw[pos] == '>' ? "empty PRI" : "PRI is not a number";
        }

        if (pos > 4)
        {
            return "PRI longer than 3 digits";
        }

        if (pos >= raw.Length || raw[pos] != '>')
        {
            return "PRI is not closed by '>'";
        }

        if (pri > MaxPri)
        {
            return $"PRI value {pri} out of range";
        }

        afterPri = pos + 1;
        return null;
    }

    private SyslogMessage Parsed(
        ReadOnlySpan<byte> raw, Origin origin, DateTimeOffset receivedAt, bool truncated,
        SyslogFormat format, int? pri, int version, ref ParsedFields fields)
    {
        return new SyslogMessage
        {
            Facility = pri is { } p ? (Facility)(p >> 3) : DefaultFacility,
            Severity = pri is { } q ? (Severity)(q & 7) : DefaultSeverity,
            HasPri = pri.HasValue,
            Version = version,
            Timestamp = fields.Timestamp,
            TimestampPrecision = fields.TimestampPrecision,
            TimestampZulu = fields.TimestampZulu,
            ReceivedAt = receivedAt,
            Hostname = fields.Hostname ?? FallbackHostname(origin),
            AppName = fields.AppName,
            ProcId = fields.ProcId,
            MsgId = fields.MsgId,
            StructuredData = fields.StructuredData,
            StructuredDataText = fields.StructuredDataText,
            Message = fields.Message,
            Raw = raw.ToArray(),
            Origin = origin,
            Format = format,
            Truncated = truncated,
        };
    }

    /// <summary>A message we could not read: its whole text as the message, the reason, and the PRI if that much was valid.</summary>
    private SyslogMessage Unparsed(
        ReadOnlySpan<byte> raw, Origin origin, DateTimeOffset receivedAt, bool truncated, string error, int? pri = null)
    {
        return new SyslogMessage
        {
            Facility = pri is { } p ? (Facility)(p >> 3) : DefaultFacility,
            Severity = pri is { } q ? (Severity)(q & 7) : DefaultSeverity,
            HasPri = pri.HasValue,
            ReceivedAt = receivedAt,
            Hostname = FallbackHostname(origin),
            Message = Encoding.UTF8.GetString(raw),
            Raw = raw.ToArray(),
            Origin = origin,
            Format = SyslogFormat.Unknown,
            ParseError = error,
            Truncated = truncated,
        };
    }

    private string? FallbackHostname(Origin origin) =>
        !FillMissingHostname ? null
        : origin.Transport is Transport.Udp or Transport.Tcp or Transport.Tls ? origin.RemoteAddress ?? LocalHostName
        : LocalHostName;
}
