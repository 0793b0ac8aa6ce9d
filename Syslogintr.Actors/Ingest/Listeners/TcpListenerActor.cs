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
/// TCP syslog (RFC 6587), or TLS (RFC 5425) when a certificate is configured. One dedicated thread accepts; each
/// connection is read by a dedicated thread of its own (<see cref="TcpConnection"/>), so a connection that waits for
/// room in the ingest queue (backpressure) stops only itself, and nothing here depends on the shared thread pool.
/// </summary>
public sealed class TcpListenerActor : UntypedActor
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private readonly ListenerSettings settings;
    private readonly NodeServices node;
    private readonly ListenerCounters counters;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly ConcurrentDictionary<TcpConnection, byte> connections = new();
    private readonly CancellationTokenSource stopping = new();

    // Cancelled once draining has run out of time: connections waiting for room in the queue give up.
    private readonly CancellationTokenSource aborting = new();
    private Socket? listenSocket;
    private Thread? acceptor;
    private TlsServer? tls;

    public TcpListenerActor(ListenerSettings settings, NodeServices node)
    {
        this.settings = settings;
        this.node = node;
        counters = node.Metrics.Listener(settings.Name);
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
        Context.Parent.Tell(new ListenerBound(settings.Name, $"{(tls is null ? "tcp" : "tls")} {socket.LocalEndPoint}"));
    }

    /// <summary>Stops accepting, lets each connection read what was already sent to it (bounded), then closes the rest.</summary>
    protected override void PostStop()
    {
        stopping.Cancel();
        listenSocket?.Dispose();
        acceptor?.Join(TimeSpan.FromSeconds(2));
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

            if (connections.Count >= settings.MaxConnections)
            {
                counters.OnError();
                log.Warning("listener {0}: {1} connections already open, refusing {2}", settings.Name, connections.Count, client.RemoteEndPoint);
                client.Dispose();
                continue;
            }

            var connection = new TcpConnection(client, settings, node, counters, tls, aborting.Token, log, c => connections.TryRemove(c, out _));
            connections[connection] = 0;
            connection.Start();
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
