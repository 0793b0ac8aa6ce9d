using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Hosting;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Metrics;
using Syslogintr.Node;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;
using Syslogintr.Sinks;
using Syslogintr.Sinks.Formatting;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Pipeline;

/// <summary>
/// on-lag: a consumer that falls behind with <c>backpressure</c> slows the TCP senders (nothing they send is lost),
/// while datagram senders are never blocked and their overflow is dropped and counted at the queue; a consumer
/// with <c>drop</c> only loses its own share.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class BackpressureTests() : TestKit(NodeConfig.Defaults())
{
    private const int TcpSenders = 4;
    private const int PerSender = 50_000;

    /// <summary>A consumer slower than four TCP senders: it takes a few milliseconds per batch.</summary>
    private sealed class SlowSink : ReceiveActor
    {
        public SlowSink(Action<IReadOnlyList<SyslogMessage>> seen) => Receive<MessageBatch>(b =>
        {
            Thread.Sleep(3);
            seen(b.Messages);
            Sender.Tell(BatchDone.Instance);
        });
    }

    /// <summary>A consumer that never answers.</summary>
    private sealed class StuckSink : ReceiveActor
    {
        public StuckSink() => Receive<MessageBatch>(_ => { });
    }

    [Fact]
    public async Task A_slow_backpressure_consumer_slows_tcp_senders_without_loss_while_datagrams_never_block_and_drops_are_counted()
    {
        var directory = TempFolder.Create();
        try
        {
            var node = new NodeServices(new IngestQueue(2000), new NodeMetrics(), TimeProvider.System, "testhost");
            var router = Sys.ActorOf(RouterActor.Props(node.Queue, node.Metrics, 256, DefaultPipeline.Settings.MaxBackpressure));

            var file = new FileSinkSettings("messages", Path.Combine(directory, "messages"), FilterSpec.All, OutputFormat.Traditional, TimeSpan.FromMilliseconds(100), true, 64 << 20, OnLag.Backpressure);
            var fileSink = Sys.ActorOf(FileSinkActor.Props(file, node.Metrics.Sink("messages")));
            long slowTcp = 0;
            var slow = Sys.ActorOf(Props.Create(() => new SlowSink(b => Interlocked.Add(ref slowTcp, b.Count(m => m.AppName == "tcp")))));
            var stuck = Sys.ActorOf(Props.Create(() => new StuckSink()));
            await router.Ask<Subscribed>(new Subscribe("file", fileSink, FilterSpec.All, 1024, OnLag.Backpressure));
            await router.Ask<Subscribed>(new Subscribe("slow", slow, FilterSpec.All, 1024, OnLag.Backpressure));
            await router.Ask<Subscribed>(new Subscribe("stuck", stuck, FilterSpec.All, 100, OnLag.Drop));

            var port = TestNode.FreePort();
            var tcpSettings = new ListenerSettings("tcp", ListenerKind.Tcp, new IPEndPoint(IPAddress.Loopback, port), null, 256 * 1024, 64 * 1024, TimeSpan.FromMinutes(1), 10, null, 10, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            var unixSettings = new ListenerSettings("local", ListenerKind.Unix, null, Path.Combine(directory, "log"), 8 << 20, 64 * 1024, TimeSpan.FromMinutes(1), 10, null, 10, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            var listeners = Sys.ActorOf(ListenerSupervisorActor.Props([tcpSettings, unixSettings], node));
            Assert.Empty((await listeners.Ask<ListenersReady>(AwaitListenersReady.Instance, TimeSpan.FromSeconds(5))).Failures);

            var tcpDone = new CancellationTokenSource();
            // Until the TCP senders are done and a datagram has been dropped at the full queue: a loaded machine can
            // starve the datagram sender for the whole TCP phase (seen: 103 sent in 3 s, none while the queue was full).
            var localCounters = node.Metrics.Listener("local");
            var unix = Task.Run(() => SendDatagramsUntil(unixSettings.Path!, tcpDone.Token, () => localCounters.Dropped > 0));
            var elapsed = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, TcpSenders).Select(s => SendOverTcpAsync(port, s)));
            tcpDone.Cancel();
            var (unixSent, longest) = await unix;

            var tcp = node.Metrics.Listener("tcp");
            var local = node.Metrics.Listener("local");
            const int tcpSent = TcpSenders * PerSender;
            AwaitCondition(() => tcp.Received == tcpSent && local.Received == unixSent && node.Queue.Count == 0, TimeSpan.FromSeconds(30));
            var routed = tcpSent + unixSent - local.Dropped;
            var fileConsumer = node.Metrics.Consumer("file");
            AwaitCondition(() => fileConsumer.Delivered == routed && Interlocked.Read(ref slowTcp) == tcpSent, TimeSpan.FromSeconds(30));
            var lines = await WaitForLinesAsync(file.Path, routed);

            var report = $"after {elapsed.Elapsed}: tcp {tcp}; unix sent {unixSent}, {local}; {node.Metrics.Summary()}";
            // TCP: slowed, never dropped. Every message reached the file and the slow consumer.
            Assert.Equal(0, tcp.Dropped);
            Assert.True(tcp.Backpressured > 0, report);
            Assert.Equal(tcpSent, lines.Count(l => l.Contains(" tcp[")));
            Assert.Equal(0, fileConsumer.Dropped);
            Assert.Equal(0, node.Metrics.Consumer("slow").Dropped);

            // Datagrams: never blocked, and what did not fit in the queue is counted: sent = delivered + dropped.
            Assert.True(longest < TimeSpan.FromMilliseconds(100), $"a unix sender was blocked for {longest.TotalMilliseconds} ms; {report}");
            Assert.True(local.Dropped > 0, report);
            Assert.Equal(unixSent, lines.Count(l => l.Contains(" unix[")) + local.Dropped);

            // The drop consumer lost its own share only, counted as lagging.
            var stuckCounters = node.Metrics.Consumer("stuck");
            Assert.Equal(routed, stuckCounters.Delivered + stuckCounters.InFlight + stuckCounters.DroppedFor(DropReason.Lagging));
            Assert.True(stuckCounters.DroppedFor(DropReason.Lagging) > 0, report);
        }
        finally
        {
            TempFolder.Delete(directory);
        }
    }

    private static async Task SendOverTcpAsync(int port, int sender)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var text = new StringBuilder();
        for (var i = 0; i < PerSender; i++)
        {
            text.Append("<13>Nov 29 10:00:00 h tcp[").Append(sender).Append("]: message ").Append(i).Append('\n');
            if (text.Length > 64 * 1024)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()));
                text.Clear();
            }
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()));
    }

    private static (long Sent, TimeSpan Longest) SendDatagramsUntil(string path, CancellationToken stop, Func<bool> enough)
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        var longest = TimeSpan.Zero;
        var watch = new Stopwatch();
        var overtime = Stopwatch.StartNew();
        long sent = 0;
        while (!stop.IsCancellationRequested || (!enough() && overtime.Elapsed < TimeSpan.FromSeconds(20)))
        {
            if (!stop.IsCancellationRequested)
            {
                overtime.Restart();
            }

            var datagram = Encoding.ASCII.GetBytes($"<14>Nov 29 10:00:00 host unix[7]: message {sent}");
            watch.Restart();
            client.Send(datagram);
            longest = watch.Elapsed > longest ? watch.Elapsed : longest;
            sent++;
        }

        return (sent, longest);
    }

    private static async Task<string[]> WaitForLinesAsync(string path, long count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string[] lines = [];
        while (DateTime.UtcNow < deadline && (lines = File.Exists(path) ? await File.ReadAllLinesAsync(path) : []).Length < count)
        {
            await Task.Delay(100);
        }

        return lines;
    }
}
