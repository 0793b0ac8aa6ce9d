using System.Net;
using System.Net.Sockets;
using Syslogintr.Ingest;

namespace Syslogintr.Rules;

/// <summary>The values of the Lua message table that are derived rather than copied.</summary>
public static class LuaMessageFields
{
    /// <summary>
    /// <c>host</c> as the original syslogintr fills it (syslog_interp): an IPv4 or IPv6 literal standing where the
    /// header names its host, else the sender's address; for local sockets the socket path, for internal messages
    /// <c>(internal)</c>. Scripts compare it with addresses; the header's host name is <c>hostname</c>.
    /// </summary>
    public static string Host(SyslogMessage m) => m.Origin.Transport switch
    {
        Transport.Internal => m.Origin.LocalAddress,
        _ when IsAddressLiteral(m.Hostname) => m.Hostname!,
        Transport.Unix => m.Origin.LocalAddress,
        // A replayed log line has no sender: the host it names stands in, as nothing else can.
        _ => m.Origin.RemoteAddress ?? m.Hostname ?? "",
    };

    /// <summary><c>hostname</c>: the header's HOSTNAME (the parser supplies the sender's address or the node's name when there is none).</summary>
    public static string Hostname(SyslogMessage m) => m.Hostname ?? "";

    /// <summary>
    /// <c>relay</c>, as the original documented it: the address of the device that sent us the message when
    /// the header names another, original source; otherwise empty.
    /// </summary>
    public static string Relay(SyslogMessage m) =>
        m.Origin.RemoteAddress is { } sender && !string.IsNullOrEmpty(m.Hostname) && m.Hostname != sender
            && m.Origin.Transport is not (Transport.Unix or Transport.Internal)
            ? sender
            : "";

    public static bool IsRemote(SyslogMessage m) => m.Origin.Transport is Transport.Udp or Transport.Tcp or Transport.Tls;

    public static string Program(SyslogMessage m) => m.AppName ?? "";

    public static long Pid(SyslogMessage m) => long.TryParse(m.ProcId, out var pid) ? pid : 0;

    public static long Timestamp(SyslogMessage m) => m.ReceivedAt.ToUnixTimeSeconds();

    public static long LogTimestamp(SyslogMessage m) => (m.Timestamp ?? m.ReceivedAt).ToUnixTimeSeconds();

    /// <summary>
    /// What inet_pton accepts, which the original tries on the header's first word: an IPv6 literal without a zone,
    /// or exactly four decimal parts (no "10.1" or hex shorthands, which <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> takes).
    /// </summary>
    private static bool IsAddressLiteral(string? word) =>
        IPAddress.TryParse(word, out var address) && address.AddressFamily switch
        {
            AddressFamily.InterNetworkV6 => !word.Contains('%'),
            AddressFamily.InterNetwork => word.Split('.') is { Length: 4 } parts && parts.All(IsOctet),
            _ => false,
        };

    // inet_pton takes no leading zero ("01"), as it would be octal elsewhere.
    private static bool IsOctet(string part) =>
        part.Length is >= 1 and <= 3 && part.All(char.IsAsciiDigit) && (part.Length == 1 || part[0] != '0') && int.Parse(part, System.Globalization.CultureInfo.InvariantCulture) <= 255;
}
