using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Ingest;

/// <summary>The seed's deadlock, attempted: the only consumer hangs forever, and /dev/log senders must not notice.</summary>
[Collection(SerialCollection.Name)]
public sealed class StuckDownstreamTests : TestKit
{
    private const int Messages = 30_000;

    /// <summary>A sink whose handler never returns.</summary>
    private sealed class StuckSink : ReceiveActor
    {
        public StuckSink(ManualResetEventSlim release) => Receive<MessageBatch>(_ => release.Wait());
    }

    /// <param name="lingerMs">With a linger the reader pauses between reads: a local sender may wait that long, no more.</param>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task The_unix_listener_keeps_reading_and_counts_drops_while_the_sink_is_stuck(int lingerMs)
    {
        var directory = TempFolder.Create();
        using var release = new ManualResetEventSlim();
        try
        {
            // Any actor error (a router restart would forget its consumers) is reported with the accounting.
            var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var errorLog = Sys.ActorOf(Props.Create(() => new ErrorCollector(errors)));
            Sys.EventStream.Subscribe(errorLog, typeof(Akka.Event.Error));
            var node = new NodeServices(new IngestQueue(1000), new NodeMetrics(), TimeProvider.System, "testhost");
            var router = Sys.ActorOf(RouterActor.Props(node.Queue, node.Metrics, 100, DefaultPipeline.Settings.MaxBackpressure));
            var sink = Sys.ActorOf(Props.Create(() => new StuckSink(release)));
            // Awaited: on a starved thread pool the router may start after the listener, and it routes whatever is
            // queued by then; with no consumer yet that is counted as no_consumer, not as this consumer's.
            await router.Ask<Subscribed>(new Subscribe("stuck", sink, FilterSpec.All, MaxMessagesInFlight: 400), TimeSpan.FromSeconds(10));
            var settings = new ListenerSettings("local", ListenerKind.Unix, null, Path.Combine(directory, "log"), 256 * 1024, 64 * 1024, TimeSpan.FromMinutes(1), 10, null, 10, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1))
            {
                Linger = TimeSpan.FromMilliseconds(lingerMs),
            };
            var listeners = Sys.ActorOf(ListenerSupervisorActor.Props([settings], node));
            Assert.Empty((await listeners.Ask<ListenersReady>(AwaitListenersReady.Instance, TimeSpan.FromSeconds(5))).Failures);

            using var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(settings.Path!));
            var longest = TimeSpan.Zero;
            var watch = new Stopwatch();
            for (var i = 0; i < Messages; i++)
            {
                var datagram = Encoding.ASCII.GetBytes($"<14>Nov 29 10:00:00 host mta[7]: message {i}");
                watch.Restart();
                client.Send(datagram);
                longest = watch.Elapsed > longest ? watch.Elapsed : longest;
            }

            var counters = node.Metrics.Listener("local");
            AwaitCondition(() => counters.Received == Messages, TimeSpan.FromSeconds(10));
            Assert.True(longest < TimeSpan.FromMilliseconds(100), $"a sender was blocked for {longest.TotalMilliseconds} ms");
            var stuck = node.Metrics.Consumer("stuck");
            Assert.True(counters.Dropped + stuck.Dropped > Messages / 2, $"listener dropped {counters.Dropped}, router dropped {stuck.Dropped}");

            // Nothing is lost silently: every message was delivered, is in flight or still queued, or was dropped and counted.
            AwaitAssert(
                () => Assert.True(
                    Messages == counters.Dropped + stuck.Dropped + stuck.Delivered + stuck.InFlight + node.Queue.Count,
                    $"listener dropped {counters.Dropped}, router dropped {stuck.Dropped}, delivered {stuck.Delivered}, in flight {stuck.InFlight}, queued {node.Queue.Count}; {node.Metrics.Summary()}; errors: {string.Join(" | ", errors)}"),
                TimeSpan.FromSeconds(15));
        }
        finally
        {
            release.Set();
            TempFolder.Delete(directory);
        }
    }

    private sealed class ErrorCollector : ReceiveActor
    {
        public ErrorCollector(System.Collections.Concurrent.ConcurrentQueue<string> errors) => Receive<Akka.Event.Error>(e => errors.Enqueue(e.ToString()));
    }
}
