using System.Net;
using System.Net.Sockets;
using Syslogintr.Ingest.Listeners.Tls;
using System.Threading.Channels;
using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Framing;
using Syslogintr.Ingest.Parsing;
using Syslogintr.Metrics;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// One accepted TCP/TLS connection, read by a dedicated thread: frames (RFC 6587, octet-counting or LF, detected
/// per frame), parses, and waits for room in the ingest queue when it is full, which stops reading this connection
/// only. Closed on EOF, on an idle timeout, on a failed TLS handshake (counted), or when the listener stops.
/// </summary>
internal sealed class TcpConnection(
    Socket socket,
    ListenerSettings settings,
    NodeServices node,
    ListenerCounters counters,
    TlsServer? tls,
    CancellationToken aborted,
    ILoggingAdapter log,
    Action<TcpConnection> closed)
{
    private Thread? reader;
    private volatile bool draining;

    public void Start()
    {
        reader = new Thread(Run) { IsBackground = true, Name = $"listener-{settings.Name}-conn" };
        reader.Start();
    }

    public void Close() => socket.Dispose();

    /// <summary>
    /// The listener is stopping: finish reading what the sender already sent (the kernel acknowledged it, so it
    /// is ours to keep), then end. A connection with nothing buffered is closed at once.
    /// </summary>
    public void Drain()
    {
        draining = true;
        try
        {
            if (socket.Available == 0)
            {
                Close();
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>False when the reader thread is still running after <paramref name="timeout"/>.</summary>
    public bool Join(TimeSpan timeout) => reader?.Join(timeout) ?? true;

    private void Run()
    {
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        var local = (IPEndPoint)socket.LocalEndPoint!;
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        var origin = new Origin(tls is null ? Transport.Tcp : Transport.Tls, address.ToString(), remote.Port, local.Address.ToString(), local.Port, settings.Name);
        try
        {
            socket.NoDelay = true;
            socket.ReceiveTimeout = (int)Math.Min(int.MaxValue, settings.IdleTimeout.TotalMilliseconds);
            using var stream = Open(origin);
            if (stream is not null)
            {
                Read(stream, origin);
            }
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            log.Debug("listener {0}: {1} idle for {2}, closed", settings.Name, origin.RemoteAddress, settings.IdleTimeout);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            if (!draining)
            {
                log.Debug("listener {0}: connection from {1} ended: {2}", settings.Name, origin.RemoteAddress, e.Message);
            }
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            // Shutdown: the queue is closed; what this connection had not yet queued is the sender's to resend.
        }
        finally
        {
            socket.Dispose();
            closed(this);
        }
    }

    /// <summary>The plain stream, or the TLS stream after a successful handshake; null (counted) when the handshake fails.</summary>
    private Stream? Open(Origin origin)
    {
        var network = new NetworkStream(socket, ownsSocket: true);
        return tls is null ? network : tls.AuthenticateAsync(network, origin.RemoteAddress, aborted).GetAwaiter().GetResult();
    }

    private void Read(Stream stream, Origin origin)
    {
        var parser = new SyslogParser(node.Clock, node.HostName);
        var framer = new StreamFramer(settings.MaxMessageSize);
        var buffer = new byte[64 * 1024];
        FrameHandler onFrame = (frame, truncated) => Deliver(parser, frame, truncated, origin);
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            counters.OnBytes(read);
            framer.Push(buffer.AsSpan(0, read), onFrame);
            if (draining && socket.Available == 0)
            {
                break;
            }
        }

        framer.Complete(onFrame);
    }

    private void Deliver(SyslogParser parser, ReadOnlySpan<byte> frame, bool truncated, Origin origin)
    {
        counters.OnMessage();
        if (truncated)
        {
            counters.OnTruncated();
        }

        var message = parser.Parse(frame, origin, node.Clock.GetUtcNow(), truncated);
        if (!message.IsValid)
        {
            counters.OnParseError();
        }

        if (!node.Queue.TryEnqueue(message))
        {
            // Backpressure: this connection's thread waits; its sender's TCP window fills; nobody else is affected.
            counters.OnBackpressure();
            node.Queue.EnqueueAsync(message, aborted).AsTask().GetAwaiter().GetResult();
        }
    }
}
