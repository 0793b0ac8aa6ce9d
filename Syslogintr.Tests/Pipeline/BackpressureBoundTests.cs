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
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Pipeline;

/// <summary>
/// max-backpressure: a hung backpressure consumer (a blocked disk) holds the pipeline for that long at most; then
/// its share is dropped and counted (reason stalled) until it has caught up, and it is backpressured again.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class BackpressureBoundTests() : TestKit(NodeConfig.Defaults())
{
    private static readonly TimeSpan Bound = TimeSpan.FromMilliseconds(300);

    /// <summary>Answers nothing until released (a hung disk that comes back); then acknowledges all it holds and what follows.</summary>
    private sealed class HungSink : ReceiveActor
    {
        public sealed record Release;

        public HungSink()
        {
            var held = new List<IActorRef>();
            var hung = true;
            Receive<MessageBatch>(_ =>
            {
                if (hung)
                {
                    held.Add(Sender);
                }
                else
                {
                    Sender.Tell(BatchDone.Instance);
                }
            });
            Receive<Release>(_ =>
            {
                hung = false;
                held.ForEach(r => r.Tell(BatchDone.Instance, Self));
                held.Clear();
            });
        }
    }

    /// <summary>Acknowledges at once.</summary>
    private sealed class HealthySink : ReceiveActor
    {
        public HealthySink() => Receive<MessageBatch>(_ => Sender.Tell(BatchDone.Instance));
    }

    private static SyslogMessage Message(int i) => new()
    {
        Facility = Facility.User,
        Severity = Severity.Notice,
        ReceivedAt = DateTimeOffset.UnixEpoch,
        Message = $"m{i}",
        Origin = Origin.Internal,
    };

    [Fact]
    public async Task A_hung_backpressure_consumer_holds_tcp_senders_only_for_max_backpressure_and_is_backpressured_again_once_it_catches_up()
    {
        const int Senders = 2;
        const int PerSender = 20_000;
        var log = LogCollector.Subscribe(Sys);
        var node = new NodeServices(new IngestQueue(2000), new NodeMetrics(), TimeProvider.System, "testhost");
        var router = Sys.ActorOf(RouterActor.Props(node.Queue, node.Metrics, 256, Bound));
        var hung = Sys.ActorOf(Props.Create(() => new HungSink()));
        await router.Ask<Subscribed>(new Subscribe("hung", hung, FilterSpec.All, 1024, OnLag.Backpressure));
        await router.Ask<Subscribed>(new Subscribe("healthy", Sys.ActorOf(Props.Create(() => new HealthySink())), FilterSpec.All, 100_000, OnLag.Drop));

        var port = TestNode.FreePort();
        var tcpSettings = new ListenerSettings("tcp", ListenerKind.Tcp, new IPEndPoint(IPAddress.Loopback, port), null, 256 * 1024, 64 * 1024, TimeSpan.FromMinutes(1), 10, null, 10, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var listeners = Sys.ActorOf(ListenerSupervisorActor.Props([tcpSettings], node));
        Assert.Empty((await listeners.Ask<ListenersReady>(AwaitListenersReady.Instance, TimeSpan.FromSeconds(5))).Failures);

        // Without the bound nothing more is taken off the full queue behind the hung consumer: the senders (once the
        // socket buffers are full) and the healthy consumer wait for ever.
        var senders = Task.WhenAll(Enumerable.Range(0, Senders).Select(s => SendOverTcpAsync(port, s, PerSender)));
        Assert.Same(senders, await Task.WhenAny(senders, Task.Delay(TimeSpan.FromSeconds(20))));
        await senders;

        const int sent = Senders * PerSender;
        var tcp = node.Metrics.Listener("tcp");
        var healthy = node.Metrics.Consumer("healthy");
        var hungCounters = node.Metrics.Consumer("hung");
        AwaitCondition(() => tcp.Received == sent && node.Queue.Count == 0 && healthy.Delivered == sent, TimeSpan.FromSeconds(20));
        string Report() => $"tcp {tcp}; {node.Metrics.Summary()}; warnings: {string.Join(" | ", log.Warnings)}";

        // Nothing the senders sent was lost: the healthy consumer has all of it, the hung one's share is counted.
        Assert.Equal(0, tcp.Dropped);
        Assert.Equal(0, healthy.Dropped);
        AwaitAssert(() => Assert.Equal(sent, hungCounters.Delivered + hungCounters.InFlight + hungCounters.Dropped), TimeSpan.FromSeconds(5));
        Assert.Equal(0, hungCounters.Delivered);
        Assert.True(hungCounters.InFlight is >= 1024 and <= 1024 + 256, Report());
        Assert.Equal(hungCounters.Dropped, hungCounters.DroppedFor(DropReason.Stalled));
        Assert.Contains("stalled=", node.Metrics.Summary());
        AwaitCondition(() => log.Warnings.Any(w => w.Contains("consumer hung held the pipeline")), TimeSpan.FromSeconds(5));
        Assert.Single(log.Warnings, w => w.Contains("consumer hung held the pipeline"));

        // The disk comes back: it catches up, one warning says so, and it is backpressured again (loses nothing more).
        var droppedWhileStalled = hungCounters.Dropped;
        hung.Tell(new HungSink.Release());
        AwaitCondition(() => log.Warnings.Any(w => w.Contains("consumer hung caught up")), TimeSpan.FromSeconds(5));
        await SendOverTcpAsync(port, 9, 5000);
        AwaitCondition(() => hungCounters.Delivered + droppedWhileStalled == sent + 5000 && healthy.Delivered == sent + 5000, TimeSpan.FromSeconds(20), message: Report());
        Assert.Equal(droppedWhileStalled, hungCounters.Dropped);
        Assert.Equal(0, hungCounters.InFlight);
        Assert.Single(log.Warnings, w => w.Contains("consumer hung held the pipeline"));
        Assert.Single(log.Warnings, w => w.Contains($"consumer hung caught up after {droppedWhileStalled} messages"));
    }

    [Fact]
    public void A_consumer_that_acknowledges_within_max_backpressure_is_never_stalled()
    {
        // A wider bound than the other tests': each wait below must stay under it even when a loaded machine adds
        // a pause between a batch's arrival and its acknowledgement (CI once added more than 150 ms).
        var bound = TimeSpan.FromSeconds(1);
        var queue = new IngestQueue(10_000);
        var metrics = new NodeMetrics();
        var router = Sys.ActorOf(RouterActor.Props(queue, metrics, 10, bound));
        var slow = CreateTestProbe();
        router.Tell(new Subscribe("slow", slow, FilterSpec.All, 20, OnLag.Backpressure));
        ExpectMsg<Subscribed>();
        for (var i = 0; i < 100; i++)
        {
            Assert.True(queue.TryEnqueue(Message(i)));
        }

        // Out of credit for a third of the bound, again and again (about 2.4 s in all, more than twice the bound):
        // each acknowledgement restarts the clock.
        var received = 0;
        while (received < 100)
        {
            var batch = slow.ExpectMsg<MessageBatch>();
            received += batch.Messages.Count;
            if (metrics.Consumer("slow").InFlight >= 20)
            {
                Thread.Sleep(bound * 0.3);
            }

            slow.Reply(BatchDone.Instance);
        }

        Assert.Equal(100, received);
        AwaitAssert(() => Assert.Equal(100, metrics.Consumer("slow").Delivered));
        Assert.Equal(0, metrics.Consumer("slow").Dropped);
    }

    [Fact]
    public void A_shutdown_drain_counts_what_a_stalled_consumer_holds_as_shutdown_and_its_share_as_stalled()
    {
        var queue = new IngestQueue(10_000);
        var metrics = new NodeMetrics();
        var router = Sys.ActorOf(RouterActor.Props(queue, metrics, 10, Bound));
        var hung = CreateTestProbe();
        var healthy = CreateTestProbe();
        router.Tell(new Subscribe("hung", hung, FilterSpec.All, 20, OnLag.Backpressure));
        router.Tell(new Subscribe("healthy", healthy, FilterSpec.All, 10_000, OnLag.Drop));
        ExpectMsg<Subscribed>();
        ExpectMsg<Subscribed>();
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(queue.TryEnqueue(Message(i)));
        }

        queue.Close();
        router.Tell(new Drain(TimeSpan.FromSeconds(3)));
        var received = 0;
        while (received < 1000)
        {
            received += healthy.ExpectMsg<MessageBatch>(TimeSpan.FromSeconds(5)).Messages.Count;
            healthy.Reply(BatchDone.Instance);
        }

        // The hung consumer never answers: the drain waits for it until the deadline, then counts what it holds.
        var hungCounters = metrics.Consumer("hung");
        var drained = ExpectMsg<Drained>(TimeSpan.FromSeconds(5));
        Assert.Equal(hungCounters.DroppedFor(DropReason.Shutdown), drained.Dropped);
        Assert.True(drained.Dropped is >= 20 and <= 30, $"{drained.Dropped} unacknowledged");
        Assert.Equal(0, hungCounters.InFlight);
        Assert.Equal(0, hungCounters.Delivered);
        Assert.Equal(1000, hungCounters.DroppedFor(DropReason.Stalled) + hungCounters.DroppedFor(DropReason.Shutdown));
        Assert.Equal(1000, hungCounters.Dropped);
        Assert.Equal(1000, metrics.Consumer("healthy").Delivered);
    }

    private static async Task SendOverTcpAsync(int port, int sender, int count)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
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
}
