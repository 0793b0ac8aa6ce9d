using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Singleton;
using Syslogintr.Cluster;
using Syslogintr.Http;
using Syslogintr.Tests.Http;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Cluster;

/// <summary>
/// The status actor of three in-process nodes, asked the way <c>syslogintr cluster status</c> asks (a client
/// ActorSystem over remoting), checked against what Akka really did: where a real singleton runs, how many shards a
/// real sharded type has, and who stops answering when a node dies.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterStatusTests
{
    private const string TypeName = "rule-status-test";

    [Fact]
    public async Task Status_and_gauges_show_members_the_singletons_node_the_buckets_and_who_sees_a_dead_node_unreachable()
    {
        // The dead node is unreachable, and the gauges can show it, only until the split-brain resolver downs it: 15 s
        // rather than 5 s keeps that window open on a loaded machine, where the status report alone took longer.
        await using var cluster = await TestCluster.StartAsync(3, _ => """
            syslogintr.cluster.split-brain-resolver.stable-after = 15s
            syslogintr.http { enabled = true, bind = "127.0.0.1:0" }
            """);
        var extractor = HashCodeMessageExtractor.Create(10, m => (string)m, m => m);
        foreach (var node in cluster.Nodes)
        {
            await ClusterSharding.Get(node.System).StartAsync(TypeName, Props.Create<Echo>(), ClusterShardingSettings.Create(node.System), extractor);
            node.System.ActorOf(ClusterSingletonManager.Props(Props.Create<Echo>(), PoisonPill.Instance, ClusterSingletonManagerSettings.Create(node.System).WithRole("ops")), "status-test-singleton");
        }

        var ids = Enumerable.Range(0, 30).Select(i => $"entity-{i}").ToList();
        var region = ClusterSharding.Get(cluster[0].System).ShardRegion(TypeName);
        await Task.WhenAll(ids.Select(id => region.Ask<string>(id, TimeSpan.FromSeconds(10))));
        var shards = ids.Select(id => extractor.ShardId(id)).Distinct().Count();
        var singletonHost = await FindSingletonAsync(cluster);

        // Counted at the scrape itself, once per node and without waiting: no timer counts them in between.
        var scraped = new List<double>();
        foreach (var node in cluster.Nodes)
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://{node.Http.Address}"), Timeout = TimeSpan.FromSeconds(10) };
            var samples = await PrometheusText.ParseAsync(await http.GetStringAsync(HttpPaths.Metrics));
            scraped.Add(samples.Single(s => s.Family == "syslogintr_cluster_buckets_hosted" && s.Labels.GetValueOrDefault("type") == TypeName).Value);
        }

        Assert.Equal(shards, scraped.Sum());
        Assert.Equal(scraped, cluster.Nodes.Select(n => (double)n.Services.Metrics.Cluster.BucketsHosted[TypeName]));
        var report = await ClusterStatusClient.AskAsync("127.0.0.1", cluster.RemotingPorts[0], TimeSpan.FromSeconds(10));

        Assert.Equal(3, report.Members.Count(m => m.Status == "Up"));
        Assert.All(report.Members, m => Assert.Equal("ingest,ops,rules", m.Roles));
        Assert.Equal(3, report.Reachability.Count);
        Assert.All(report.Reachability, v => Assert.Empty(v.Unreachable));
        Assert.Empty(report.Silent);
        Assert.Equal(singletonHost, report.Singletons.Single(s => s.Role == "ops").Address);
        Assert.Equal(shards, report.Buckets.Where(b => b.TypeName == TypeName).Sum(b => b.Shards));
        Assert.Equal(ids.Count, report.Buckets.Where(b => b.TypeName == TypeName).Sum(b => b.Entities));
        Assert.All(cluster.Nodes, n => Assert.Equal(3, n.Services.Metrics.Cluster.MembersUp));
        var leader = Assert.Single(cluster.Nodes, n => n.Services.Metrics.Cluster.IsLeader);
        Assert.Equal(report.Leader, Address(leader));

        // Between the crash and the downing, both survivors' own failure detectors name the dead node, and it is silent.
        await cluster.KillAsync(2);
        var dead = Address(cluster[2]);
        await Poll.UntilAsync(
            async () => await ClusterStatusClient.AskAsync("127.0.0.1", cluster.RemotingPorts[0], TimeSpan.FromSeconds(10)) is var r
                && r.Silent.SequenceEqual([dead]) && r.Reachability.Count == 2 && r.Reachability.All(v => v.Unreachable.SequenceEqual([dead])),
            "both survivors reporting node 2 unreachable");
        // The gauges follow cluster events, which each node delivers on its own: one may trail the status report a
        // little, and the other may already have seen the downing. Each survivor's gauge must show the dead node once.
        var showedIt = new HashSet<TestNode>();
        await Poll.UntilAsync(
            () =>
            {
                showedIt.UnionWith(cluster.Alive.Where(n => n.Services.Metrics.Cluster.Unreachable == 1));
                return showedIt.Count == cluster.Alive.Count();
            },
            "both survivors' unreachable gauges");

        await cluster.WaitForMembersUpAsync(2, TimeSpan.FromSeconds(45), cluster.Alive);
        await Poll.UntilAsync(() => cluster.Alive.All(n => n.Services.Metrics.Cluster is { MembersUp: 2, Unreachable: 0 }), "the gauges after the downing");
    }

    private static string Address(TestNode node) => Akka.Cluster.Cluster.Get(node.System).SelfAddress.ToString();

    /// <summary>The node whose singleton manager really started the singleton child.</summary>
    private static async Task<string> FindSingletonAsync(TestCluster cluster)
    {
        string? host = null;
        await Poll.UntilAsync(
            async () =>
            {
                foreach (var node in cluster.Nodes)
                {
                    var identity = await node.System.ActorSelection("/user/status-test-singleton/singleton").Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(3));
                    if (identity.Subject is not null)
                    {
                        host = Address(node);
                        return true;
                    }
                }

                return false;
            },
            "the singleton to start");
        return host!;
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }
}
