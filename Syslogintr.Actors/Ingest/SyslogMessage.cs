namespace Syslogintr.Ingest;

/// <summary>
/// One received (or internally injected) syslog message, parsed. Immutable so it can be handed to any
/// number of actors, and made of plain values so it can cross a cluster boundary.
/// </summary>
public sealed record SyslogMessage
{
    /// <summary>Facility from PRI; <see cref="Facility.User"/> when the message carried no PRI (RFC 3164 §4.3.3).</summary>
    public required Facility Facility { get; init; }

    /// <summary>Severity from PRI; <see cref="Severity.Notice"/> when the message carried no PRI.</summary>
    public required Severity Severity { get; init; }

    /// <summary>False when the message had no (valid) PRI and the defaults above were applied.</summary>
    public bool HasPri { get; init; } = true;

    /// <summary>0 for RFC 3164 and unparsed messages, the VERSION field for RFC 5424 (1).</summary>
    public int Version { get; init; }

    /// <summary>The timestamp the sender wrote, with the offset it wrote (local offset inferred for RFC 3164); null when absent.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>
    /// Digits of the second's fraction the sender wrote (0 for none, as in RFC 3164's <c>Mmm dd hh:mm:ss</c>), so a
    /// relay writes <c>12:00:00.5</c> back as that; null when not known (messages a rule built), and six digits are written.
    /// </summary>
    public int? TimestampPrecision { get; init; }

    /// <summary>The sender wrote UTC as <c>Z</c> rather than <c>+00:00</c>; a relay writes it back the same way.</summary>
    public bool TimestampZulu { get; init; }

    /// <summary>When our listener read the bytes.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    public string? Hostname { get; init; }

    /// <summary>RFC 5424 APP-NAME, or the RFC 3164 tag's program part.</summary>
    public string? AppName { get; init; }

    /// <summary>RFC 5424 PROCID, or the number in an RFC 3164 tag's brackets.</summary>
    public string? ProcId { get; init; }

    public string? MsgId { get; init; }

    public IReadOnlyList<StructuredDataElement> StructuredData { get; init; } = [];

    /// <summary>
    /// RFC 5424 STRUCTURED-DATA exactly as received, escapes and all, which the RFC 5424 formatter writes instead of
    /// <see cref="StructuredData"/> (its parsed form); null when there was none or the record was built, not parsed.
    /// </summary>
    public string? StructuredDataText { get; init; }

    /// <summary>The message text, control characters kept as received. For an unparsable message, the whole raw text.</summary>
    public required string Message { get; init; }

    /// <summary>The bytes as received (after framing, before any decoding).</summary>
    public byte[] Raw { get; init; } = [];

    public required Origin Origin { get; init; }

    public SyslogFormat Format { get; init; }

    /// <summary>Why the message could not be parsed as RFC 5424 or RFC 3164; null when it was.</summary>
    public string? ParseError { get; init; }

    /// <summary>True when the frame was longer than the listener's maximum and was cut.</summary>
    public bool Truncated { get; init; }

    /// <summary>0 for messages from the wire; n + 1 for a message a rule injected while handling one of generation n.</summary>
    public int Generation { get; init; }

    /// <summary>The rule or component that injected this message into the pipeline; null for messages from the wire.</summary>
    public string? InjectedBy { get; init; }

    public int Priority => (int)Facility * 8 + (int)Severity;

    public bool IsValid => ParseError is null;
}

/// <summary>An RFC 5424 SD-ELEMENT: its SD-ID and its parameters in the order sent (names may repeat).</summary>
public sealed record StructuredDataElement(string Id, IReadOnlyList<KeyValuePair<string, string>> Parameters);

/// <summary>Where a message came from and where it arrived.</summary>
/// <param name="RemoteAddress">Sender's IP text, or null for unix sockets and internal messages.</param>
/// <param name="RemotePort">Sender's port; -1 for unix sockets and internal messages.</param>
/// <param name="LocalAddress">The listening address, or the socket path for unix sockets, "(internal)" for injected messages.</param>
/// <param name="LocalPort">The listening port; -1 for unix sockets and internal messages.</param>
/// <param name="Listener">The configured name of the listener that received it.</param>
public sealed record Origin(Transport Transport, string? RemoteAddress, int RemotePort, string LocalAddress, int LocalPort, string Listener)
{
    public static readonly Origin Internal = new(Transport.Internal, null, -1, "(internal)", -1, "internal");
}

public enum Transport : byte
{
    Udp,
    Tcp,
    Tls,
    Unix,
    Internal,
}

public enum SyslogFormat : byte
{
    Unknown,
    Rfc3164,
    Rfc5424,
}

/// <summary>Facility codes of RFC 5424 §6.2.1.</summary>
public enum Facility : byte
{
    Kern = 0,
    User = 1,
    Mail = 2,
    Daemon = 3,
    Auth = 4,
    Syslog = 5,
    Lpr = 6,
    News = 7,
    Uucp = 8,
    Cron = 9,
    AuthPriv = 10,
    Ftp = 11,
    Ntp = 12,
    LogAudit = 13,
    LogAlert = 14,
    Clock = 15,
    Local0 = 16,
    Local1 = 17,
    Local2 = 18,
    Local3 = 19,
    Local4 = 20,
    Local5 = 21,
    Local6 = 22,
    Local7 = 23,
}

/// <summary>Severity codes of RFC 5424 §6.2.1.</summary>
public enum Severity : byte
{
    Emergency = 0,
    Alert = 1,
    Critical = 2,
    Error = 3,
    Warning = 4,
    Notice = 5,
    Informational = 6,
    Debug = 7,
}
