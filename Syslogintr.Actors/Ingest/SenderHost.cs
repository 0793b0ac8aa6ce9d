namespace Syslogintr.Ingest;

/// <summary>
/// The host a message speaks for, as the original syslogintr's Lua <c>host</c> field gave it: the HOSTNAME of the
/// header when there is one (our parser knows names, the original only IP literals), else the sender's IP; for local
/// sockets the socket path and for injected messages <c>(internal)</c>. Rules see it and pools partition by it.
/// </summary>
public static class SenderHost
{
    public static string Of(SyslogMessage m) => m.Origin.Transport switch
    {
        Transport.Unix or Transport.Internal => m.Origin.LocalAddress,
        _ => string.IsNullOrEmpty(m.Hostname) ? m.Origin.RemoteAddress ?? "" : m.Hostname,
    };
}
