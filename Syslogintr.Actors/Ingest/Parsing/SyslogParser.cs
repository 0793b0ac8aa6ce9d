using System.Text;

namespace Syslogintr.Ingest.Parsing;

/// <summary>
/// Turns one framed syslog message into a <see cref="SyslogMessage"/>. Not thread-safe (it may cache strings):
/// each listener thread owns one.
/// PLACEHOLDER until the RFC 5424 / RFC 3164 parsers land: keeps the whole text as the message.
/// </summary>
public sealed class SyslogParser(TimeProvider clock, string localHostName)
{
    public TimeProvider Clock { get; } = clock;

    public string LocalHostName { get; } = localHostName;

    public SyslogMessage Parse(ReadOnlySpan<byte> raw, Origin origin, DateTimeOffset receivedAt, bool truncated = false) => new()
    {
        Facility = Facility.User,
        Severity = Severity.Notice,
        HasPri = false,
        ReceivedAt = receivedAt,
        Message = Encoding.UTF8.GetString(raw),
        Raw = raw.ToArray(),
        Origin = origin,
        Truncated = truncated,
        ParseError = "parser not implemented",
    };
}
