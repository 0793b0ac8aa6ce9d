using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Listeners.Tls;
using Syslogintr.Metrics;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// TCP syslog (RFC 6587), or TLS (RFC 5425) when a certificate is configured. One dedicated thread accepts, so new
/// connections are taken whatever the thread pool is doing; a second closes connections past their deadline. Each
/// connection is read asynchronously (<see cref="TcpConnection"/>): its continuations only frame, parse and offer,
/// never block, and a connection that waits for room in the ingest queue (backpressure) stops only itself.
/// </summary>
public sealed class TcpListenerActor : UntypedActor
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RefusalWarningInterval = TimeSpan.FromSeconds(10);

    private readonly ListenerSettings settings;
    private readonly NodeServices node;
    private readonly ListenerCounters counters;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly ConcurrentDictionary<TcpConnection, IPAddress> connections = new();
    private readonly Dictionary<IPAddress, int> perAddress = [];
    private readonly Lock perAddressGate = new();
    private readonly RefusalLog refusals;
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Set when a connection is added or refused: wakes the reaper, which sleeps while it has nothing to watch.</summary>
    private readonly AutoResetEvent activity = new(false);
    private long lastRefusal = long.MinValue / 2;

    // Cancelled once draining has run out of time: connections waiting for room in the queue give up.
    private readonly CancellationTokenSource aborting = new();
    private Socket? listenSocket;
    private Thread? acceptor;
    private Thread? reaper;
    private TlsServer? tls;

    public TcpListenerActor(ListenerSettings settings, NodeServices node)
    {
        this.settings = settings;
        this.node = node;
        counters = node.Metrics.Listener(settings.Name);
        refusals = new RefusalLog(log, settings.Name, new WarningThrottle(node.Clock, RefusalWarningInterval));
    }

    public static Props Props(ListenerSettings settings, NodeServices node) =>
        Akka.Actor.Props.Create(() => new TcpListenerActor(settings, node));

    protected override void PreStart()
    {
        var bind = settings.Bind!;
        try
        {
            tls = settings.Tls is { } tlsSettings ? TlsServer.Load(settings.Name, tlsSettings, counters, node.Clock, log) : null;
            listenSocket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            SocketOptions.AllowRebind(listenSocket);
            if (bind.AddressFamily == AddressFamily.InterNetworkV6)
            {
                listenSocket.DualMode = false;
            }

            listenSocket.Bind(bind);
            listenSocket.Listen(512);
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            listenSocket?.Dispose();
            Context.Parent.Tell(new ListenerBindFailed(settings.Name, $"tcp {bind}: {e.Message}"));
            Context.Stop(Self);
            return;
        }

        var socket = listenSocket;

        // Self is only valid on the actor's own thread: the acceptor reports its failure through a captured ref.
        var self = Self;
        acceptor = new Thread(() => AcceptLoop(socket, self)) { IsBackground = true, Name = $"listener-{settings.Name}" };
        acceptor.Start();
        reaper = new Thread(ReapLoop) { IsBackground = true, Name = $"listener-{settings.Name}-timeouts" };
        reaper.Start();
        Context.Parent.Tell(new ListenerBound(settings.Name, $"{(tls is null ? "tcp" : "tls")} {socket.LocalEndPoint}"));
    }

    /// <summary>Stops accepting, lets each connection read what was already sent to it (bounded), then closes the rest.</summary>
    protected override void PostStop()
    {
        stopping.Cancel();
        listenSocket?.Dispose();
        acceptor?.Join(TimeSpan.FromSeconds(2));
        reaper?.Join(TimeSpan.FromSeconds(2));
        foreach (var connection in connections.Keys)
        {
            connection.Drain();
        }

        var deadline = DateTime.UtcNow + DrainTimeout;
        foreach (var connection in connections.Keys)
        {
            if (!connection.Join(Max(deadline - DateTime.UtcNow, TimeSpan.Zero)))
            {
                aborting.Cancel();
                connection.Close();
                connection.Join(TimeSpan.FromSeconds(1));
            }
        }

        tls?.Dispose();
        stopping.Dispose();
        aborting.Dispose();
    }

    /// <summary>The listening socket failed: stop, so the supervisor restarts us (with backoff) on a fresh socket.</summary>
    protected override void OnReceive(object message)
    {
        if (message is AcceptFailed)
        {
            Context.Stop(Self);
        }
        else
        {
            Unhandled(message);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Errors of one connection being accepted, or of a momentary shortage; the listening socket is fine.</summary>
    private static bool IsTransient(SocketError error) => error is SocketError.ConnectionAborted or SocketError.ConnectionReset
        or SocketError.Interrupted or SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable;

    private void AcceptLoop(Socket socket, IActorRef self)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = socket.Accept();
            }
            catch (SocketException e) when (!stopping.IsCancellationRequested && IsTransient(e.SocketErrorCode))
            {
                counters.OnError();
                if (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
                {
                    // Out of descriptors or memory: accepting again at once would only spin.
                    Thread.Sleep(100);
                }

                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!stopping.IsCancellationRequested)
                {
                    // Retrying a broken listening socket would spin forever on the same error.
                    counters.OnError();
                    log.Error(e, "listener {0}: accept failed, listener restarts", settings.Name);
                    self.Tell(AcceptFailed.Instance);
                }

                return;
            }

            var address = AddressOf(client);
            if (Refusal(address) is { } reason)
            {
                counters.OnRefused();
                refusals.Refused($"{reason}, refusing {client.RemoteEndPoint}");
                Volatile.Write(ref lastRefusal, Environment.TickCount64);
                activity.Set();
                client.Dispose();
                continue;
            }

            var connection = new TcpConnection(client, settings, node, counters, tls, aborting.Token, log, Closed);
            connections[connection] = address;
            activity.Set();
            connection.Start();
        }
    }

    private static IPAddress AddressOf(Socket client)
    {
        var address = ((IPEndPoint)client.RemoteEndPoint!).Address;
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    /// <summary>Why the connection must be refused, or null: it takes a slot (overall and for its address) when it is not.</summary>
    private string? Refusal(IPAddress address)
    {
        if (connections.Count >= settings.MaxConnections)
        {
            return $"{connections.Count} connections already open (max-connections)";
        }

        lock (perAddressGate)
        {
            var open = perAddress.GetValueOrDefault(address);
            if (open >= settings.MaxConnectionsPerAddress)
            {
                return $"{open} connections from {address} already open (max-connections-per-address)";
            }

            perAddress[address] = open + 1;
            return null;
        }
    }

    private void Closed(TcpConnection connection)
    {
        if (!connections.TryRemove(connection, out var address))
        {
            return;
        }

        lock (perAddressGate)
        {
            var open = perAddress.GetValueOrDefault(address) - 1;
            if (open > 0)
            {
                perAddress[address] = open;
            }
            else
            {
                perAddress.Remove(address);
            }
        }
    }

    /// <summary>
    /// Closes connections past their deadline (idle, first message or frame timeout) and flushes held-back refusal
    /// warnings. With no connection and no warning that may still be held back it sleeps until one comes, so an idle
    /// listener does not wake.
    /// </summary>
    private void ReapLoop()
    {
        var shortest = new[] { settings.IdleTimeout, settings.FirstFrameTimeout, settings.FrameTimeout }.Min();
        var interval = TimeSpan.FromMilliseconds(Math.Clamp(shortest.TotalMilliseconds / 4, 10, 1000));
        var refusalsHeldFor = (long)(RefusalWarningInterval + interval).TotalMilliseconds;
        WaitHandle[] wakeUps = [stopping.Token.WaitHandle, activity];
        while (true)
        {
            if (connections.IsEmpty && Environment.TickCount64 - Volatile.Read(ref lastRefusal) > refusalsHeldFor)
            {
                if (WaitHandle.WaitAny(wakeUps) == 0)
                {
                    return;
                }

                continue;
            }

            if (stopping.Token.WaitHandle.WaitOne(interval))
            {
                return;
            }

            var now = Environment.TickCount64;
            foreach (var connection in connections.Keys)
            {
                if (now >= connection.Deadline)
                {
                    connection.Expire();
                }
            }

            refusals.Flush();
        }
    }

    private sealed record AcceptFailed
    {
        public static readonly AcceptFailed Instance = new();
    }
}

internal static class TlsCertificates
{
    /// <summary>A PEM certificate with its key file, or a PKCS#12 file whose password is in an environment variable.</summary>
    public static X509Certificate2 Load(TlsSettings tls)
    {
        if (tls.Key is not null)
        {
            return X509Certificate2.CreateFromPemFile(tls.Certificate, tls.Key);
        }

        var password = tls.PasswordEnvironmentVariable is { } variable ? Environment.GetEnvironmentVariable(variable) : null;
        return X509CertificateLoader.LoadPkcs12FromFile(tls.Certificate, password);
    }
}
