using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Parsing;
using Syslogintr.Metrics;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// A datagram listener (UDP or unix). The actor owns a socket and one dedicated thread that does nothing but
/// receive, parse and offer to the ingest queue; when the queue is full the message is dropped and counted. The
/// thread never waits on anything downstream, so a sender is never blocked by us (a blocked sender on /dev/log is
/// the original program's deadlock) and a blocked actor elsewhere cannot starve it of a thread-pool thread.
/// </summary>
public abstract class DatagramListenerActor : UntypedActor
{
    /// <summary>How often a reader waiting for <see cref="NodeServices.ListenersMayRead"/> checks whether it is stopping.</summary>
    internal static readonly TimeSpan GateCheck = TimeSpan.FromMilliseconds(100);

    private readonly NodeServices node;
    private Thread? reader;
    private volatile bool stopping;

    protected DatagramListenerActor(ListenerSettings settings, NodeServices node)
    {
        Settings = settings;
        this.node = node;
        Counters = node.Metrics.Listener(settings.Name);
    }

    protected ListenerSettings Settings { get; }

    protected ListenerCounters Counters { get; }

    protected ILoggingAdapter Log { get; } = Context.GetLogger();

    protected Socket? Socket { get; private set; }

    /// <summary>Creates the (unbound) socket.</summary>
    protected abstract Socket CreateSocket();

    /// <summary>Sets the socket's options and binds it; on failure the base class disposes the socket.</summary>
    protected abstract void Bind(Socket socket);

    /// <summary>Describes the bound socket for the log.</summary>
    protected abstract string Describe(Socket socket);

    /// <summary>Receives one datagram into <paramref name="buffer"/>; returns its length and where it came from.</summary>
    protected abstract int Receive(Socket socket, byte[] buffer, out Origin origin);

    protected override void PreStart()
    {
        try
        {
            Socket = Open();
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            Context.Parent.Tell(new ListenerBindFailed(Settings.Name, $"{Settings.Kind.ToString().ToLowerInvariant()} {(object?)Settings.Bind ?? Settings.Path}: {e.Message}"));
            Context.Stop(Self);
            return;
        }

        var socket = Socket;

        // Self is only valid on the actor's own thread: the reader reports its failure through a captured ref.
        var self = Self;
        reader = new Thread(() => ReadLoop(socket, self))
        {
            IsBackground = true,
            Name = $"listener-{Settings.Name}",
            Priority = ThreadPriority.AboveNormal,
        };
        reader.Start();
        Context.Parent.Tell(new ListenerBound(Settings.Name, Describe(socket)));
    }

    protected override void PostStop()
    {
        stopping = true;
        Socket?.Dispose();
        reader?.Join(TimeSpan.FromSeconds(2));
    }

    /// <summary>The reader thread's socket failed: stop, so the supervisor restarts us (with backoff) on a fresh socket.</summary>
    protected override void OnReceive(object message)
    {
        if (message is ReadFailed)
        {
            Context.Stop(Self);
        }
        else
        {
            Unhandled(message);
        }
    }

    private Socket Open()
    {
        var socket = CreateSocket();
        try
        {
            Bind(socket);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void ReadLoop(Socket socket, IActorRef self)
    {
        var parser = new SyslogParser(node.Clock, node.HostName);
        var buffer = new byte[BufferSize];
        while (!stopping && !node.ListenersMayRead.Wait(GateCheck))
        {
        }

        while (!stopping)
        {
            int length;
            Origin origin;
            try
            {
                length = Receive(socket, buffer, out origin);
            }
            catch (SocketException e) when (!stopping && e.SocketErrorCode is SocketError.MessageSize or SocketError.ConnectionReset or SocketError.Interrupted)
            {
                // A datagram larger than our buffer, or an ICMP error from an earlier send: count it, keep reading.
                Counters.OnError();
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!stopping)
                {
                    Counters.OnError();
                    Log.Error(e, "listener {0}: receive failed, listener restarts", Settings.Name);
                    self.Tell(ReadFailed.Instance);
                }

                return;
            }

            Counters.OnReceived(length);
            var truncated = length > Settings.MaxMessageSize;
            if (truncated)
            {
                Counters.OnTruncated();
                length = Settings.MaxMessageSize;
            }

            var message = parser.Parse(buffer.AsSpan(0, length), origin, node.Clock.GetUtcNow(), truncated);
            if (!message.IsValid)
            {
                Counters.OnParseError();
            }

            if (!node.Queue.TryEnqueue(message))
            {
                Counters.OnDropped();
            }
        }
    }

    /// <summary>One byte more than the largest message, so a longer datagram is seen (and flagged) as truncated.</summary>
    private int BufferSize => Math.Max(Settings.MaxMessageSize, 65536) + 1;

    private sealed record ReadFailed
    {
        public static readonly ReadFailed Instance = new();
    }
}
