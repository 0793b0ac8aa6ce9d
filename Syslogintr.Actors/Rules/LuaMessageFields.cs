using Syslogintr.Ingest;

namespace Syslogintr.Rules;

/// <summary>
/// The values of the Lua message table that are derived rather than copied, so the C# match filters and the
/// Lua table agree on them.
/// </summary>
public static class LuaMessageFields
{
    /// <summary>
    /// <c>host</c>: the HOSTNAME of the header when there is one (our parser knows names, the original only IP
    /// literals), else the sender's IP; for local sockets the socket path and for injected messages
    /// <c>(internal)</c>, as in the original.
    /// </summary>
    public static string Host(SyslogMessage m) => m.Origin.Transport switch
    {
        Transport.Unix or Transport.Internal => m.Origin.LocalAddress,
        _ => string.IsNullOrEmpty(m.Hostname) ? m.Origin.RemoteAddress ?? "" : m.Hostname,
    };

    /// <summary>
    /// <c>relay</c>, as the original documented it: the address of the device that sent us the message when
    /// <c>host</c> names another, original source; otherwise empty.
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
}
