using System.Diagnostics;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Parsing;
using Syslogintr.Metrics;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// A datagram listener (UDP or unix). The actor owns a socket and one dedicated thread that does nothing but
/// receive (on Linux up to 64 datagrams per system call), parse and offer to the ingest queue, holding messages back
/// for up to the linger so they go on together (<see cref="DatagramHandOff"/>); when the queue is full the message is dropped and counted. The
/// thread never waits on anything downstream, so a sender is never blocked by us (a blocked sender on /dev/log is
/// the original program's deadlock) and a blocked actor elsewhere cannot starve it of a thread-pool thread.
/// </summary>
public abstract class DatagramListenerActor : UntypedActor
{
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

    /// <summary>Prepares a socket handed over already bound (<see cref="ListenerSettings.Inherited"/>): no bind, no file of ours.</summary>
    protected virtual void Adopt(Socket socket) => SocketOptions.SetReceiveBuffer(socket, Settings.ReceiveBuffer);

    /// <summary>Describes the bound socket for the log.</summary>
    protected abstract string Describe(Socket socket);

    /// <summary>Receives one datagram into <paramref name="buffer"/>; returns its length and where it came from (where recvmmsg is refused).</summary>
    protected abstract int Receive(Socket socket, byte[] buffer, out Origin origin);

    /// <summary>Where a datagram read by recvmmsg came from, given its sender's raw <c>sockaddr</c> (empty for a unix socket).</summary>
    protected abstract Origin OriginOf(ReadOnlySpan<byte> sender);

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
        var inherited = Settings.Inherited is { } handedOver ? $", inherited ({handedOver.Description})" : "";
        Context.Parent.Tell(new ListenerBound(Settings.Name, Describe(socket) + inherited));
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
        var inherited = Settings.Inherited;
        var socket = inherited?.Take() ?? CreateSocket();
        try
        {
            if (inherited is null)
            {
                Bind(socket);
            }
            else
            {
                Adopt(socket);
            }

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
        var held = new List<SyslogMessage>(DatagramHandOff.MaxPending + MultiDatagramReceiver.MaxSlots);
        var handOff = new DatagramHandOff(Settings.Linger);
        try
        {
            if (MultiDatagramReceiver.Supported)
            {
                using var receiver = new MultiDatagramReceiver(BufferSize, withSenders: Settings.Kind == ListenerKind.Udp);
                if (ReadBatches(socket, self, receiver, parser, held, handOff))
                {
                    return;
                }
            }

            ReadOneByOne(socket, self, parser, held, handOff);
        }
        finally
        {
            // Stopping or failed: what was read and held back still goes on (or is counted as dropped by a closed queue).
            Offer(held);
        }
    }

    /// <summary>
    /// Reads with recvmmsg, parses each read and offers what it holds to the queue in one go when it is due
    /// (<see cref="DatagramHandOff"/>), so the router is woken once per hand-off. While it holds messages it reads
    /// without waiting and naps between drained reads. False when this kernel refuses recvmmsg (a seccomp filter, an
    /// emulator): read one by one then.
    /// </summary>
    private bool ReadBatches(Socket socket, IActorRef self, MultiDatagramReceiver receiver, SyslogParser parser, List<SyslogMessage> held, DatagramHandOff handOff)
    {
        var everRead = false;
        while (!stopping)
        {
            int count, errno;
            try
            {
                count = receiver.Receive(socket, wait: held.Count == 0, out errno);
            }
            catch (ObjectDisposedException) when (stopping)
            {
                // Stopped between the loop's check and the read (more often now that it naps while holding messages).
                return true;
            }

            if (stopping)
            {
                return true;
            }

            if (count < 0)
            {
                // errno values that say recvmmsg cannot be used here at all.
                if (!everRead && errno is Errno.ENoSys or Errno.EOpNotSupp or Errno.EInval or Errno.EPerm)
                {
                    Counters.OnError();
                    Log.Warning("listener {0}: recvmmsg refused (errno {1}); reading one datagram per system call", Settings.Name, errno);
                    return false;
                }

                if (errno == Errno.EConnRefused)
                {
                    // An ICMP error from an earlier send: count it, keep reading.
                    Counters.OnError();
                    continue;
                }

                Counters.OnError();
                Log.Error("listener {0}: receive failed (errno {1}), listener restarts", Settings.Name, errno);
                self.Tell(ReadFailed.Instance);
                return true;
            }

            everRead = true;
            var before = held.Count;
            var receivedAt = node.Clock.GetUtcNow();
            for (var i = 0; i < count; i++)
            {
                if (receiver.Truncated(i))
                {
                    // Longer than our buffer (more than max-message-size): an error, as a single read reports it.
                    Counters.OnError();
                    continue;
                }

                held.Add(Parse(parser, receiver.Datagram(i), OriginOf(receiver.Sender(i)), receivedAt));
            }

            Pace(held, before, handOff, drained: count < receiver.Slots);
        }

        return true;
    }

    private void ReadOneByOne(Socket socket, IActorRef self, SyslogParser parser, List<SyslogMessage> held, DatagramHandOff handOff)
    {
        var buffer = new byte[BufferSize];
        while (!stopping)
        {
            var before = held.Count;
            if (before > 0 && IsDrained(socket))
            {
                // Holding messages back and nothing to read: do not block in the read, the held ones may fall due.
                Pace(held, before, handOff, drained: true);
                continue;
            }

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

            held.Add(Parse(parser, buffer.AsSpan(0, length), origin, node.Clock.GetUtcNow()));
            Pace(held, before, handOff, drained: IsDrained(socket));
        }
    }

    /// <summary>Nothing left to read; a socket disposed meanwhile (stopping) counts as drained, and the loop ends.</summary>
    private static bool IsDrained(Socket socket)
    {
        try
        {
            return socket.Available == 0;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return true;
        }
    }

    private SyslogMessage Parse(SyslogParser parser, ReadOnlySpan<byte> datagram, Origin origin, DateTimeOffset receivedAt)
    {
        Counters.OnReceived(datagram.Length);
        var truncated = datagram.Length > Settings.MaxMessageSize;
        if (truncated)
        {
            Counters.OnTruncated();
            datagram = datagram[..Settings.MaxMessageSize];
        }

        var message = parser.Parse(datagram, origin, receivedAt, truncated);
        if (!message.IsValid)
        {
            Counters.OnParseError();
        }

        return message;
    }

    /// <summary>
    /// After a read that took the messages held from <paramref name="before"/> to <c>held.Count</c>: offers them
    /// when they are due; then, when the socket is drained, naps until the next read (after a hand-off too: at a
    /// steady rate the next read finds a batch waiting instead of waking for its first datagram).
    /// </summary>
    private void Pace(List<SyslogMessage> held, int before, DatagramHandOff handOff, bool drained)
    {
        var now = Stopwatch.GetTimestamp();
        handOff.Read(before, held.Count, drained, now);
        if (handOff.Due(held.Count, now))
        {
            handOff.HandedOff(held.Count, now);
            Offer(held);
        }

        if (drained && !stopping && handOff.Nap(held.Count, now) is { } nap && nap > TimeSpan.Zero)
        {
            ReaderSleep.For(nap);
        }
    }

    /// <summary>Offers everything held at once: the router, woken by the first, finds the rest already queued.</summary>
    private void Offer(List<SyslogMessage> held)
    {
        foreach (var message in held)
        {
            if (!node.Queue.TryEnqueue(message))
            {
                Counters.OnDropped();
            }
        }

        held.Clear();
    }

    /// <summary>One byte more than the largest message, so a longer datagram is seen (and flagged) as truncated.</summary>
    private int BufferSize => Math.Max(Settings.MaxMessageSize, 65536) + 1;

    private sealed record ReadFailed
    {
        public static readonly ReadFailed Instance = new();
    }
}
