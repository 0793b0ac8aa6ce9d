using Syslogintr.Ingest;

namespace Syslogintr.Rules;

/// <summary>
/// The values of the Lua message table that are derived rather than copied (<c>host</c> is
/// <see cref="SenderHost"/>, shared with the pools' partitioning).
/// </summary>
public static class LuaMessageFields
{
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
