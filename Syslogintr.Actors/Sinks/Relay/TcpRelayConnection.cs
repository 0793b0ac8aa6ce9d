using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Metrics;
using Syslogintr.Actions;

namespace Syslogintr.Sinks.Relay;

/// <summary>
/// One persistent TCP connection to one relay destination, framed by octet counting (RFC 6587 §3.4.1:
/// <c>LENGTH SP MESSAGE</c>). Messages wait in a bounded buffer while the connection is down or busy; beyond it they
/// are dropped and counted. A lost connection is re-established with exponential backoff; the name is resolved
/// again at every connect (asynchronously).
/// </summary>
public sealed class TcpRelayConnection : ReceiveActor, IWithTimers
{
    private const string ReconnectTimer = "reconnect";
    private const int MaxWriteBytes = 256 * 1024;

    private readonly string host;
    private readonly int port;
    private readonly RelaySettings settings;
    private readonly ActionCounters counters;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Queue<byte[]> buffer = new();
    private Socket? socket;
    private TimeSpan backoff;
    private bool writing;
    private int generation;

    public TcpRelayConnection(string host, int port, RelaySettings settings, ActionCounters counters)
    {
        this.host = host;
        this.port = port;
        this.settings = settings;
        this.counters = counters;
        backoff = settings.MinBackoff;
        Receive<Frame>(OnFrame);
        Receive<ConnectDue>(_ => Connect());
        Receive<ConnectEnded>(OnConnectEnded);
        Receive<WriteEnded>(OnWriteEnded);
        Receive<PeerClosed>(closed => LoseConnection(closed.Generation, "closed by the peer"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string host, int port, RelaySettings settings, ActionCounters counters) =>
        Akka.Actor.Props.Create(() => new TcpRelayConnection(host, port, settings, counters)).WithDispatcher(SinksHosting.Dispatcher);

    /// <summary>A message, already encoded, to send.</summary>
    public sealed record Frame(byte[] Payload);

    protected override void PreStart() => Connect();

    protected override void PostStop()
    {
        socket?.Dispose();
        if (buffer.Count > 0)
        {
            counters.Add("relay.lost", buffer.Count);
            log.Warning("relay to tcp {0}:{1}: {2} messages not sent at stop", host, port, buffer.Count);
        }
    }

    private void OnFrame(Frame frame)
    {
        if (buffer.Count >= settings.TcpBuffer)
        {
            counters.Increment("relay.dropped");
            return;
        }

        buffer.Enqueue(frame.Payload);
        WriteNext();
    }

    private void Connect()
    {
        var attempt = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var id = ++generation;
        var deadline = new CancellationTokenSource(settings.ConnectTimeout);
        attempt.ConnectAsync(host, port, deadline.Token).AsTask()
            .ContinueWith(
                t =>
                {
                    deadline.Dispose();
                    return new ConnectEnded(id, attempt, t.IsCompletedSuccessfully ? null : t.Exception?.GetBaseException().Message ?? "timed out");
                },
                TaskScheduler.Default)
            .PipeTo(Self);
    }

    private void OnConnectEnded(ConnectEnded ended)
    {
        if (ended.Error is not null)
        {
            ended.Socket.Dispose();
            counters.Increment("relay.connect_failed");
            log.Warning("relay to tcp {0}:{1}: connect failed ({2}); retrying in {3} s, {4} messages waiting", host, port, ended.Error, backoff.TotalSeconds, buffer.Count);
            ScheduleReconnect();
            return;
        }

        socket = ended.Socket;
        backoff = settings.MinBackoff;
        log.Info("relay to tcp {0}:{1}: connected", host, port);
        WatchForClose(socket, ended.Generation);
        WriteNext();
    }

    /// <summary>A syslog receiver never writes back: a completed read means the peer closed or reset the connection.</summary>
    private void WatchForClose(Socket connected, int id)
    {
        var scratch = new byte[64];
        connected.ReceiveAsync(scratch, SocketFlags.None)
            .ContinueWith(_ => new PeerClosed(id), TaskScheduler.Default)
            .PipeTo(Self);
    }

    private void WriteNext()
    {
        if (socket is null || writing || buffer.Count == 0)
        {
            return;
        }

        // Coalesce queued messages into one write: one syscall for many small frames.
        var batch = new MemoryStream();
        var count = 0;
        while (buffer.Count > 0 && (count == 0 || batch.Length + buffer.Peek().Length < MaxWriteBytes))
        {
            var payload = buffer.Dequeue();
            batch.Write(Encoding.ASCII.GetBytes(payload.Length.ToString(CultureInfo.InvariantCulture) + " "));
            batch.Write(payload);
            count++;
        }

        writing = true;
        var id = generation;
        socket.SendAsync(batch.GetBuffer().AsMemory(0, (int)batch.Length), SocketFlags.None).AsTask()
            .ContinueWith(t => new WriteEnded(id, count, t.IsCompletedSuccessfully ? null : t.Exception?.GetBaseException().Message), TaskScheduler.Default)
            .PipeTo(Self);
    }

    private void OnWriteEnded(WriteEnded ended)
    {
        writing = false;
        if (ended.Error is null)
        {
            counters.Increment("relay.sent_batches");
            WriteNext();
            return;
        }

        // What was in that write may or may not have arrived: count it as lost rather than risk duplicates.
        counters.Add("relay.lost", ended.Count);
        LoseConnection(ended.Generation, ended.Error);
    }

    private void LoseConnection(int id, string why)
    {
        if (id != generation || socket is null)
        {
            return;
        }

        socket.Dispose();
        socket = null;
        counters.Increment("relay.disconnected");
        log.Warning("relay to tcp {0}:{1}: connection lost ({2}); reconnecting in {3} s", host, port, why, backoff.TotalSeconds);
        ScheduleReconnect();
    }

    private void ScheduleReconnect()
    {
        Timers.StartSingleTimer(ReconnectTimer, ConnectDue.Instance, backoff);
        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, settings.MaxBackoff.Ticks));
    }

    private sealed class ConnectDue
    {
        public static readonly ConnectDue Instance = new();
    }

    private sealed record ConnectEnded(int Generation, Socket Socket, string? Error);

    private sealed record WriteEnded(int Generation, int Count, string? Error);

    private sealed record PeerClosed(int Generation);
}
