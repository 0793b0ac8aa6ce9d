using System.Net;
using System.Net.Sockets;
using Akka.Configuration;
using Syslogintr.Ingest.Listeners;

namespace Syslogintr.Hosting.Checking;

/// <summary>
/// Whether each listener's port or socket path is free, by binding a socket and closing it at once (a unix path is
/// only connected to, never replaced). Only for a node that is not running: a running node holds them itself.
/// </summary>
internal static class ListenerChecks
{
    /// <summary>(key, sentence) for each listener whose address is taken.</summary>
    public static IEnumerable<(string Key, string Message)> Problems(Config config)
    {
        var settings = new SettingsReader(config);
        foreach (var (name, entry) in config.NamedEntries("syslogintr.listeners"))
        {
            ListenerSettings listener;
            try
            {
                listener = ListenerSettings.Parse(name, entry, settings);
            }
            catch (Exception e) when (e is ConfigurationException or StartupException or FormatException)
            {
                continue;
            }

            var key = $"syslogintr.listeners.{name}.{(listener.Kind == ListenerKind.Unix ? "path" : "bind")}";
            if ((listener.Kind == ListenerKind.Unix ? PathInUse(listener.Path!) : PortInUse(listener)) is { } problem)
            {
                yield return (key, problem);
            }
        }
    }

    private static string? PortInUse(ListenerSettings listener)
    {
        var tcp = listener.Kind == ListenerKind.Tcp;
        using var socket = new Socket(listener.Bind!.AddressFamily, tcp ? SocketType.Stream : SocketType.Dgram, tcp ? ProtocolType.Tcp : ProtocolType.Udp);
        try
        {
            socket.Bind(listener.Bind);
            return null;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"{(tcp ? "TCP" : "UDP")} port {listener.Bind.Port} on {listener.Bind.Address} is already in use by another process"
                : $"cannot listen on {listener.Bind}: {e.Message}";
        }
    }

    private static string? PathInUse(string path)
    {
        if (!Path.Exists(path))
        {
            return null;
        }

        if (UnixSocketFile.SocketInode(path) is null)
        {
            return $"{path} exists and is not a socket; the node will not replace it";
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // A stale socket nobody is bound to: the node replaces it.
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode != SocketError.ProtocolType)
        {
            return $"{path} exists and is not a socket the node may replace ({e.Message})";
        }

        return $"a running process is bound to the socket {path}";
    }
}
