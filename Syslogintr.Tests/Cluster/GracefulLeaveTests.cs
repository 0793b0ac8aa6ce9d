using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Cluster;

/// <summary>
/// The order of a graceful leave: the ingest queue drains before sharding hands this node's buckets off. A slow
/// consumer that forwards every message to a sharded type through this node's region still has a backlog when the
/// node is stopped; every message must reach an entity. Drained after the hand-off, the region would be gone and
/// the backlog would go to dead letters (seen: 180 of 500 delivered with the drain moved to cluster-exiting-done).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class GracefulLeaveTests
{
    private const string TypeName = "rule-leave-test";
    private const int Count = 500;

    [Fact]
    public async Task A_leaving_node_drains_its_queue_through_its_shard_region_before_handing_buckets_off()
    {
        // Batches of 10, so the slow forwarder below has a backlog, and room to drain it.
        await using var cluster = await TestCluster.StartAsync(2, _ => "syslogintr.pipeline { batch-size = 10, drain-timeout = 15s }");
        var delivered = new ConcurrentDictionary<string, int>();
        var counter = cluster[0].System.ActorOf(Props.Create(() => new Counter(delivered)), "leave-test-counter");
        var extractor = HashCodeMessageExtractor.Create(8, m => (string)m, m => m);
        foreach (var node in cluster.Nodes)
        {
            await ClusterSharding.Get(node.System).StartAsync(TypeName, Props.Create(() => new Relay(counter)), ClusterShardingSettings.Create(node.System), extractor);
        }

        var leaving = cluster[1];
        var region = ClusterSharding.Get(leaving.System).ShardRegion(TypeName);
        var router = await leaving.System.ActorSelection("/user/router").ResolveOne(TimeSpan.FromSeconds(5));
        var forwarder = leaving.System.ActorOf(Props.Create(() => new SlowForwarder(region)), "leave-test-forwarder");
        await router.Ask<Subscribed>(new Subscribe("leave-test", forwarder, FilterSpec.All, 10, OnLag.Backpressure), TimeSpan.FromSeconds(5));

        using (var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            for (var i = 0; i < Count; i++)
            {
                udp.SendTo(Encoding.ASCII.GetBytes($"<13>Dec  1 10:00:00 host leavetest: message-{i}"), new IPEndPoint(IPAddress.Loopback, leaving.Port));
            }
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (leaving.Services.Metrics.Listener("udp").Received < Count)
        {
            Assert.True(DateTime.UtcNow < deadline, "the leaving node's listener did not receive every datagram");
            await Task.Delay(20);
        }

        // The forwarder takes 100 ms per batch of 10: about five seconds of backlog remain when the leave begins.
        Assert.True(delivered.Count < Count / 2, $"{delivered.Count} already delivered: no backlog left to test");
        await leaving.StopAsync();

        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (delivered.Count < Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(Count, delivered.Count);
        Assert.All(delivered.Values, n => Assert.Equal(1, n));
    }

    /// <summary>A consumer that forwards each message's text to the sharded type and acknowledges 100 ms later.</summary>
    private sealed class SlowForwarder : ReceiveActor
    {
        public SlowForwarder(IActorRef region)
        {
            Receive<MessageBatch>(batch =>
            {
                foreach (var message in batch.Messages)
                {
                    region.Tell(message.Message.Trim());
                }

                Context.System.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(100), Sender, BatchDone.Instance, Self);
            });
        }
    }

    /// <summary>An entity: passes what it receives to the counter on the node that stays.</summary>
    private sealed class Relay : ReceiveActor
    {
        public Relay(IActorRef counter) => Receive<string>(text => counter.Tell(text));
    }

    private sealed class Counter : ReceiveActor
    {
        public Counter(ConcurrentDictionary<string, int> delivered) => Receive<string>(text => delivered.AddOrUpdate(text, 1, (_, n) => n + 1));
    }
}
