using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Hosting;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Metrics;
using Syslogintr.Node;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Pipeline;

/// <summary>
/// <c>queue-max-bytes</c>: the ingest queue is full at its byte bound as well as at its count, so what overload costs
/// is counted drops and TCP backpressure, not memory.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class IngestQueueBytesTests() : TestKit(NodeConfig.Defaults())
{
    private static SyslogMessage Message(int i, int textLength = 100) => new()
    {
        Facility = Facility.User,
        Severity = Severity.Notice,
        ReceivedAt = DateTimeOffset.UnixEpoch,
        Message = $"m{i}".PadRight(textLength, 'x'),
        Origin = Origin.Internal,
    };

    [Fact]
    public void A_queue_full_by_bytes_refuses_datagrams_until_a_read_frees_them_and_an_empty_queue_takes_any_message()
    {
        var size = RouterActor.MessageBytes(Message(0));
        var queue = new IngestQueue(1000, maxBytes: 4 * size);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(queue.TryEnqueue(Message(i)));
        }

        Assert.False(queue.TryEnqueue(Message(4)));
        Assert.Equal(4, queue.Count);
        Assert.Equal(4 * size, queue.Bytes);

        Assert.True(queue.Reader.TryRead(out _));
        Assert.Equal(3 * size, queue.Bytes);
        Assert.True(queue.TryEnqueue(Message(5)));
        while (queue.Reader.TryRead(out _))
        {
        }

        Assert.Equal(0, queue.Bytes);

        // Bigger than the whole bound: an empty queue still takes it (or it could never pass), and then nothing else.
        Assert.True(queue.TryEnqueue(Message(6, textLength: (int)(4 * size))));
        Assert.False(queue.TryEnqueue(Message(7)));
    }

    [Fact]
    public async Task A_stream_sender_waits_for_bytes_while_the_queue_is_full_goes_on_when_the_router_reads_and_stops_when_it_closes()
    {
        var size = RouterActor.MessageBytes(Message(0));
        var queue = new IngestQueue(1000, maxBytes: 2 * size);
        await queue.EnqueueAsync(Message(0), CancellationToken.None);
        await queue.EnqueueAsync(Message(1), CancellationToken.None);

        var waiting = queue.EnqueueAsync(Message(2), CancellationToken.None).AsTask();
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(2, queue.Count);

        Assert.True(queue.Reader.TryRead(out _));
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, queue.Count);
        Assert.Equal(2 * size, queue.Bytes);

        var blocked = queue.EnqueueAsync(Message(3), CancellationToken.None).AsTask();
        queue.Close();
        await Assert.ThrowsAsync<ChannelClosedException>(() => blocked.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(2 * size, queue.Bytes);
    }

    /// <summary>
    /// Overload with a sink that never acknowledges (a hung disk, backpressure): TCP senders offer far more than the
    /// node can write and datagrams keep coming. What the node holds stays within the queue's byte bound plus the
    /// consumer's byte credit (and one batch); the TCP senders wait, the datagrams are dropped and counted, and every
    /// message read is queued, in flight or counted.
    /// </summary>
    [Fact]
    public async Task Under_overload_with_a_stalled_sink_queued_and_in_flight_bytes_stay_bounded_while_drops_and_backpressure_are_counted()
    {
        const long QueueBytes = 256 * 1024;
        const long CreditBytes = 256 * 1024;
        const int BatchSize = 64;
        const int PerSender = 20_000;
        const int Datagrams = 2000;
        var node = new NodeServices(new IngestQueue(50_000, QueueBytes), new NodeMetrics(), TimeProvider.System, "testhost");
        var router = Sys.ActorOf(RouterActor.Props(node.Queue, node.Metrics, BatchSize, TimeSpan.FromDays(1), maxBytesInFlight: CreditBytes));
        var hung = CreateTestProbe();
        await router.Ask<Subscribed>(new Subscribe("hung", hung, FilterSpec.All, 1_000_000, OnLag.Backpressure));

        var tcpPort = TestNode.FreePort();
        var udpPort = TestNode.FreePort();
        var tcpSettings = new ListenerSettings("tcp", ListenerKind.Tcp, new IPEndPoint(IPAddress.Loopback, tcpPort), null, 64 * 1024, 64 * 1024, TimeSpan.FromMinutes(1), 10, null, 10, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var udpSettings = new ListenerSettings("udp", ListenerKind.Udp, new IPEndPoint(IPAddress.Loopback, udpPort), null, 1024 * 1024, 64 * 1024, TimeSpan.FromMinutes(1), 10, null, 10, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var listeners = Sys.ActorOf(ListenerSupervisorActor.Props([tcpSettings, udpSettings], node));
        Assert.Empty((await listeners.Ask<ListenersReady>(AwaitListenersReady.Instance, TimeSpan.FromSeconds(5))).Failures);

        // The smallest message sent, as the credit counts it: the most messages the bytes allow.
        var smallest = RouterActor.MessageBytes(Message(0, textLength: 150));
        long maxQueued = 0;
        var maxInFlight = 0L;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                maxQueued = Math.Max(maxQueued, node.Queue.Bytes);
                maxInFlight = Math.Max(maxInFlight, node.Metrics.Consumer("hung").InFlight);
                await Task.Delay(1);
            }
        });

        using var clients = new Clients();
        var senders = Enumerable.Range(0, 2).Select(s => SendOverTcpAsync(clients.Connect(tcpPort), s, PerSender)).ToList();
        var tcp = node.Metrics.Listener("tcp");
        var udp = node.Metrics.Listener("udp");
        AwaitCondition(() => tcp.Backpressured > 0 && node.Metrics.Consumer("hung").InFlight > 0, TimeSpan.FromSeconds(10));

        using (var sender = new UdpClient())
        {
            for (var i = 0; i < Datagrams; i++)
            {
                var datagram = Encoding.ASCII.GetBytes($"<13>Nov 29 10:00:00 h udp[1]: datagram {i} ".PadRight(200, 'x'));
                await sender.SendAsync(datagram, new IPEndPoint(IPAddress.Loopback, udpPort));
            }
        }

        AwaitCondition(() => udp.Received + udp.KernelDropped >= Datagrams, TimeSpan.FromSeconds(10));
        await Task.Delay(200);
        stop.Cancel();
        await sampler;

        var hungCounters = node.Metrics.Consumer("hung");
        string Report() => $"queued {node.Queue.Count} ({node.Queue.Bytes} B, max {maxQueued}); tcp {tcp}; udp {udp}; {node.Metrics.Summary()}";

        // The TCP senders were held back: the rest of what they offered waits in the kernel's socket buffers or in
        // the senders, not in the node.
        Assert.True(tcp.Received < PerSender, Report());

        // Bounded: the queue by its bytes, the stalled consumer by its byte credit plus the one batch it was handed
        // while it still had credit.
        // A writer reserves its message's bytes before it checks the bound and gives them back when over it: the
        // sampler may see one such reservation per writer (two TCP connections, one UDP listener) on top.
        var reservations = 3 * RouterActor.MessageBytes(Message(0, textLength: 256));
        Assert.True(maxQueued <= QueueBytes + reservations, Report());
        Assert.True(maxInFlight <= (CreditBytes / smallest) + BatchSize, $"{maxInFlight} in flight; {Report()}");

        // Datagrams that found the queue full were dropped and counted, and nothing read was lost uncounted: what a
        // TCP connection framed and has not queued yet is at most the one read (64 KiB, 201-byte frames) it waits on.
        Assert.True(udp.Dropped > 0, Report());
        var read = tcp.Received - tcp.Dropped + udp.Received - udp.Dropped;
        var accounted = hungCounters.Delivered + hungCounters.InFlight + hungCounters.Dropped + node.Queue.Count;
        Assert.InRange(read - accounted, 0, 2 * ((64 * 1024 / 201) + 1));

        clients.Dispose();
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task SendOverTcpAsync(NetworkStream stream, int sender, int count)
    {
        var text = new StringBuilder();
        try
        {
            for (var i = 0; i < count; i++)
            {
                text.Append($"<13>Nov 29 10:00:00 h tcp[{sender}]: message {i} ".PadRight(200, 'x')).Append('\n');
                if (text.Length > 16 * 1024)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()));
                    text.Clear();
                }
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The test closed the connection while the sender was held back.
        }
    }

    /// <summary>TCP connections closed when the test ends, which releases senders still held back.</summary>
    private sealed class Clients : IDisposable
    {
        private readonly List<TcpClient> clients = [];

        public NetworkStream Connect(int port)
        {
            var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            clients.Add(client);
            return client.GetStream();
        }

        public void Dispose() => clients.ForEach(c => c.Dispose());
    }
}
