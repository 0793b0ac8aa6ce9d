using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Metrics;
using Syslogintr.Actions;

namespace Syslogintr.Sinks.Relay;

/// <summary>
/// Sends messages rules relay (<see cref="RelayRequested"/>) to other syslog servers. Nothing here ever blocks:
/// UDP and unix datagram sockets are non-blocking (a full receiver costs a counted drop — relaying to our own
/// <c>/dev/log</c> cannot deadlock us), host names are resolved asynchronously and cached, and each TCP destination
/// is a <see cref="TcpRelayConnection"/> child with its own bounded buffer.
/// </summary>
public sealed class RelayActor : ReceiveActor
{
    private readonly RelaySettings settings;
    private readonly ActionCounters counters;
    private readonly TimeZoneInfo zone;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Dictionary<string, ResolvedName> names = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<(int Port, byte[] Payload)>> resolving = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string Host, int Port), IActorRef> tcp = [];
    private readonly Dictionary<string, DateTime> lastErrorLogged = new(StringComparer.Ordinal);
    private Socket? udp4;
    private Socket? udp6;
    private Socket? unix;

    /// <param name="zone">The node's time zone: RFC 3164 relays write their timestamps in it.</param>
    public RelayActor(RelaySettings settings, ActionCounters counters, TimeZoneInfo zone)
    {
        this.settings = settings;
        this.counters = counters;
        this.zone = zone;
        Receive<RelayRequested>(OnRelayRequested);
        Receive<NameResolved>(OnNameResolved);
    }

    public static Props Props(RelaySettings settings, ActionCounters counters, TimeZoneInfo zone) =>
        Akka.Actor.Props.Create(() => new RelayActor(settings, counters, zone)).WithDispatcher(SinksHosting.Dispatcher);

    protected override void PostStop()
    {
        udp4?.Dispose();
        udp6?.Dispose();
        unix?.Dispose();
    }

    private void OnRelayRequested(RelayRequested request)
    {
        var destination = request.Destination;
        var payload = RelayWireFormat.Encode(request.Message, request.Rfc5424, settings.MaxMessageSize, zone);
        var port = destination.Port > 0 ? destination.Port : RelaySettings.DefaultPort;
        switch (destination.Kind)
        {
            case "udp":
                SendUdp(destination.Target, port, payload);
                break;
            case "tcp":
                TcpConnection(destination.Target, port).Tell(new TcpRelayConnection.Frame(payload));
                break;
            case "unix":
                SendUnix(destination.Target, payload);
                break;
            default:
                counters.Increment("relay.refused");
                log.Warning("relay from rule {0} refused: unknown kind '{1}' (udp, tcp or unix)", request.Rule, destination.Kind);
                break;
        }
    }

    private void SendUdp(string host, int port, byte[] payload)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            SendUdp(new IPEndPoint(literal, port), payload);
            return;
        }

        if (names.TryGetValue(host, out var cached) && cached.Expires > DateTime.UtcNow)
        {
            if (cached.Address is null)
            {
                counters.Increment("relay.unresolved");
                return;
            }

            SendUdp(new IPEndPoint(cached.Address, port), payload);
            return;
        }

        if (!resolving.TryGetValue(host, out var waiting))
        {
            waiting = [];
            resolving[host] = waiting;
            Dns.GetHostAddressesAsync(host).PipeTo(
                Self,
                success: addresses => new NameResolved(host, addresses.FirstOrDefault(), null),
                failure: e => new NameResolved(host, null, e.GetBaseException().Message));
        }

        if (waiting.Count >= settings.PendingPerName)
        {
            counters.Increment("relay.dropped");
            return;
        }

        waiting.Add((port, payload));
    }

    private void OnNameResolved(NameResolved resolved)
    {
        var ttl = resolved.Address is null ? settings.FailedNameTtl : settings.NameTtl;
        names[resolved.Host] = new ResolvedName(resolved.Address, DateTime.UtcNow + ttl);
        if (resolved.Address is null)
        {
            log.Warning("relay: cannot resolve '{0}' ({1}); its messages are dropped for {2} s", resolved.Host, resolved.Error ?? "no address", ttl.TotalSeconds);
        }

        if (!resolving.Remove(resolved.Host, out var waiting))
        {
            return;
        }

        foreach (var (port, payload) in waiting)
        {
            if (resolved.Address is null)
            {
                counters.Increment("relay.unresolved");
            }
            else
            {
                SendUdp(new IPEndPoint(resolved.Address, port), payload);
            }
        }
    }

    private void SendUdp(IPEndPoint endpoint, byte[] payload)
    {
        var socket = endpoint.AddressFamily == AddressFamily.InterNetworkV6
            ? udp6 ??= NonBlocking(new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp))
            : udp4 ??= NonBlocking(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        Send(socket, endpoint, payload, $"udp {endpoint}");
    }

    private void SendUnix(string path, byte[] payload)
    {
        unix ??= NonBlocking(new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified));
        Send(unix, new UnixDomainSocketEndPoint(path), payload, $"unix {path}");
    }

    private void Send(Socket socket, EndPoint endpoint, byte[] payload, string destination)
    {
        try
        {
            socket.SendTo(payload, SocketFlags.None, endpoint);
            counters.Increment("relay.sent");
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.NoBufferSpaceAvailable)
        {
            // The receiver's queue is full: waiting would stall every rule that relays (and, for our own socket, us).
            counters.Increment("relay.dropped");
        }
        catch (SocketException e)
        {
            counters.Increment("relay.errors");
            LogError(destination, e.Message);
        }
    }

    private IActorRef TcpConnection(string host, int port)
    {
        if (!tcp.TryGetValue((host, port), out var connection))
        {
            connection = Context.ActorOf(TcpRelayConnection.Props(host, port, settings, counters), $"tcp-{tcp.Count}");
            tcp[(host, port)] = connection;
        }

        return connection;
    }

    /// <summary>A dead destination fails every message: say so at most every 10 s per destination.</summary>
    private void LogError(string destination, string error)
    {
        var now = DateTime.UtcNow;
        if (lastErrorLogged.TryGetValue(destination, out var last) && now - last < TimeSpan.FromSeconds(10))
        {
            return;
        }

        lastErrorLogged[destination] = now;
        log.Warning("relay to {0}: {1} (relay.errors={2})", destination, error, counters.Get("relay.errors"));
    }

    private static Socket NonBlocking(Socket socket)
    {
        socket.Blocking = false;
        return socket;
    }

    private sealed record ResolvedName(IPAddress? Address, DateTime Expires);

    private sealed record NameResolved(string Host, IPAddress? Address, string? Error);
}
