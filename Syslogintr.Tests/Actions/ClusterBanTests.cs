using System.Text.Json;
using Akka.Actor;
using Akka.DistributedData;
using Akka.Hosting;
using Syslogintr.Actions;
using Syslogintr.Cluster.Wire;
using Syslogintr.Metrics;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Actions;

/// <summary>
/// Three whole nodes in a cluster on loopback, each with its own ipset backend (a script that records its argv),
/// state file and ban actor: a ban decided on one node is applied by every node's own firewall, once.
/// </summary>
[Collection(ClusterCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterBanTests : IDisposable
{
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(5);
    private readonly string folder = TempFolder.Create();

    [Fact]
    public async Task A_ban_decided_on_one_node_is_applied_once_by_every_node_and_lifted_by_every_node_at_its_time()
    {
        await using var cluster = await StartAsync();
        // The dictionary's values travel inside Distributed Data's own messages, serialized by their own binding: ours, not JSON.
        Assert.IsType<SyslogintrSerializer>(cluster[0].System.Serialization.FindSerializerFor(new BanEntry("192.0.2.7", default, "", "", "", default)));

        BanActorOf(cluster[0]).Tell(new BanRequested("192.0.2.7", TimeSpan.FromSeconds(4), "5 failures", "sshblock"));

        await AwaitAsync(() => Enumerable.Range(0, 3).All(i => Commands(i).Contains("ipset add syslogintr4 192.0.2.7 -exist")), Propagation, "applied on all 3");
        Assert.Equal(1, cluster[0].Services.Metrics.Ban.Banned);
        Assert.All([cluster[1], cluster[2]], n => Assert.Equal((0, 1), (n.Services.Metrics.Ban.Banned, n.Services.Metrics.Ban.Learned)));

        await AwaitAsync(() => Enumerable.Range(0, 3).All(i => Commands(i).Contains("ipset del syslogintr4 192.0.2.7 -exist")), TimeSpan.FromSeconds(10), "lifted on all 3");
        await AwaitAsync(async () => (await Task.WhenAll(cluster.Nodes.Select(ReplicatedTargetsAsync))).All(t => t.Count == 0), Propagation, "removed from every replica");

        // Several gossip rounds later, nothing came back: each node banned and lifted exactly once.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(["ipset add syslogintr4 192.0.2.7 -exist", "ipset del syslogintr4 192.0.2.7 -exist"], Commands(i)));
        Assert.All(cluster.Nodes, n => Assert.Equal(1, n.Services.Metrics.Ban.Lifted));
    }

    [Fact]
    public async Task Two_nodes_banning_one_address_at_once_make_one_entry_and_each_node_applies_it_once()
    {
        await using var cluster = await StartAsync();

        BanActorOf(cluster[0]).Tell(new BanRequested("2001:db8::9", TimeSpan.FromMinutes(10), "5 failures", "sshblock"));
        BanActorOf(cluster[1]).Tell(new BanRequested("2001:db8::9", TimeSpan.FromMinutes(20), "6 failures", "sshblock"));

        await AwaitAsync(
            async () => (await Task.WhenAll(cluster.Nodes.Select(ReplicatedTargetsAsync))).All(t => t.Count == 1 && t[0].Reason == "6 failures"),
            Propagation,
            "one entry, the longer ban, on every replica");
        await AwaitAsync(() => Enumerable.Range(0, 3).All(i => Commands(i).Count == 1), Propagation, "applied on all 3");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(["ipset add syslogintr6 2001:db8::9 -exist"], Commands(i)));

        // Node 0 held its own 10-minute ban and now holds the longer one: its state file says so.
        await AwaitAsync(() => StoredUntil(0) > DateTimeOffset.UtcNow.AddMinutes(15), Propagation, "node 0 extended");
    }

    [Fact]
    public async Task The_ban_list_survives_a_restart_of_the_whole_cluster_even_on_a_node_that_lost_its_state_file()
    {
        await using (var cluster = await StartAsync())
        {
            BanActorOf(cluster[0]).Tell(new BanRequested("192.0.2.8", TimeSpan.FromMinutes(5), "5 failures", "sshblock"));
            await AwaitAsync(() => Enumerable.Range(0, 3).All(i => StoredUntil(i) is not null), Propagation, "stored on all 3");
        }

        File.Delete(StateFile(2));
        Enumerable.Range(0, 3).ToList().ForEach(i => File.Delete(CommandLog(i)));

        await using var restarted = await StartAsync();
        await AwaitAsync(() => Enumerable.Range(0, 3).All(i => Commands(i).Contains("ipset add syslogintr4 192.0.2.8 -exist")), Propagation, "applied again on all 3");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(["ipset add syslogintr4 192.0.2.8 -exist"], Commands(i)));
        Assert.Equal(1, restarted[2].Services.Metrics.Ban.Learned);
        Assert.All(restarted.Nodes, n => Assert.Equal(0, Enum.GetValues<FirewallStep>().Sum(n.Services.Metrics.Ban.CommandFailures) + n.Services.Metrics.Ban.StateErrors));
    }

    [Fact]
    public async Task A_ban_a_dead_node_did_not_acknowledge_is_counted_applied_by_the_living_and_reaches_a_node_that_joins_later()
    {
        await using var cluster = await StartAsync();
        await cluster.KillAsync(2);

        BanActorOf(cluster[0]).Tell(new BanRequested("192.0.2.10", TimeSpan.FromMinutes(5), "5 failures", "sshblock"));

        await AwaitAsync(() => Commands(1).Contains("ipset add syslogintr4 192.0.2.10 -exist"), Propagation, "applied on node 1");
        await AwaitAsync(() => cluster[0].Services.Metrics.Ban.ReplicationTimeouts == 1, Propagation, "the unacknowledged write counted");

        // A node that was not there when the ban was decided learns it by gossip.
        await using var joiner = await TestNode.StartAsync(NodeHocon(3) + TestCluster.Hocon(TestNode.FreePort(), cluster.RemotingPorts[0]));
        await AwaitAsync(() => Commands(3).Contains("ipset add syslogintr4 192.0.2.10 -exist"), TimeSpan.FromSeconds(30), "learned by the node that joined");
        Assert.Equal(["ipset add syslogintr4 192.0.2.10 -exist"], Commands(1));
    }

    [Fact]
    public async Task A_ban_is_pushed_to_the_other_nodes_at_once_and_a_lost_push_is_made_good_by_the_replicated_list_each_applied_once()
    {
        // Replicated data notifies its subscribers only once a minute here (unless flushed): within seconds only the push can bring a ban.
        await using var cluster = await StartAsync("syslogintr.cluster.replication { gossip-interval = 60s, notify-subscribers-interval = 60s }\n");

        BanActorOf(cluster[0]).Tell(new BanRequested("192.0.2.11", TimeSpan.FromMinutes(5), "5 failures", "sshblock"));
        await AwaitAsync(() => Enumerable.Range(1, 2).All(i => Commands(i).Contains("ipset add syslogintr4 192.0.2.11 -exist")), Propagation, "pushed to nodes 1 and 2");

        // What node 0's ban actor writes for a ban, without its push: the others are left as a lost push leaves them.
        var now = DateTimeOffset.UtcNow;
        var unpushed = new BanEntry("192.0.2.12", now.AddMinutes(5), "6 failures", "sshblock", "node 0", now);
        var node0 = Akka.Cluster.Cluster.Get(cluster[0].System).SelfUniqueAddress;
        await DistributedData.Get(cluster[0].System).Replicator.Ask<IUpdateResponse>(
            Dsl.Update(ReplicatedBans.Key, LWWDictionary<string, BanEntry>.Empty, new WriteAll(Propagation), bans => ReplicatedBans.Upsert(bans, node0, [unpushed])),
            Propagation * 2);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.All(Enumerable.Range(1, 2), i => Assert.DoesNotContain("ipset add syslogintr4 192.0.2.12 -exist", Commands(i)));

        // Every replica holds both entries (write = all); the replicators now tell the ban actors, as their next notify would.
        await AwaitAsync(async () => (await Task.WhenAll(cluster.Nodes.Select(ReplicatedTargetsAsync))).All(t => t.Count == 2), Propagation, "both in every replica");
        foreach (var node in cluster.Nodes)
        {
            DistributedData.Get(node.System).Replicator.Tell(FlushChanges.Instance);
        }

        await AwaitAsync(() => Enumerable.Range(1, 2).All(i => Commands(i).Contains("ipset add syslogintr4 192.0.2.12 -exist")), Propagation, "the unpushed ban applied from the list");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(["ipset add syslogintr4 192.0.2.11 -exist", "ipset add syslogintr4 192.0.2.12 -exist"], Commands(0));
        Assert.All(Enumerable.Range(1, 2), i => Assert.Equal(["ipset add syslogintr4 192.0.2.11 -exist", "ipset add syslogintr4 192.0.2.12 -exist"], Commands(i)));
        Assert.All([cluster[1], cluster[2]], n => Assert.Equal((0, 2), (n.Services.Metrics.Ban.Banned, n.Services.Metrics.Ban.Learned)));
    }

    public void Dispose() => TempFolder.Delete(folder);

    private Task<TestCluster> StartAsync(string extraHocon = "") => TestCluster.StartAsync(3, i => NodeHocon(i) + extraHocon);

    private string NodeHocon(int i)
    {
        Directory.CreateDirectory(Path.Combine(folder, $"n{i}"));
        return $$"""
            syslogintr.ban {
              backend = ipset
              ipset { program = "{{Recorder(i)}}" }
              state-file = "{{StateFile(i)}}"
              persist-interval = 50ms
            }

            """;
    }

    private static IActorRef BanActorOf(TestNode node) => ActorRegistry.For(node.System).Get<BanKey>();

    private static async Task<IReadOnlyList<BanEntry>> ReplicatedTargetsAsync(TestNode node)
    {
        var reply = await DistributedData.Get(node.System).Replicator.Ask(Dsl.Get(ReplicatedBans.Key, ReadLocal.Instance), TimeSpan.FromSeconds(3));
        return reply is GetSuccess success ? [.. success.Get(ReplicatedBans.Key).Values] : [];
    }

    private static async Task AwaitAsync(Func<Task<bool>> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not {what} within {timeout}");
            await Task.Delay(50);
        }
    }

    private static Task AwaitAsync(Func<bool> done, TimeSpan timeout, string what) => AwaitAsync(() => Task.FromResult(done()), timeout, what);

    private string StateFile(int i) => Path.Combine(folder, $"n{i}", "bans.json");

    private string CommandLog(int i) => Path.Combine(folder, $"n{i}", "commands.log");

    private DateTimeOffset? StoredUntil(int i) =>
        File.Exists(StateFile(i)) && JsonDocument.Parse(File.ReadAllText(StateFile(i))).RootElement.EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } record
            ? record.GetProperty("until").GetDateTimeOffset()
            : null;

    /// <summary>Node <paramref name="i"/>'s stand-in for ipset: appends its argv to the node's command log.</summary>
    private string Recorder(int i)
    {
        var path = Path.Combine(folder, $"n{i}", "ipset");
        File.WriteAllText(path, $"#!/bin/sh\necho \"ipset $*\" >> \"{CommandLog(i)}\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private List<string> Commands(int i) => File.Exists(CommandLog(i)) ? [.. File.ReadAllLines(CommandLog(i))] : [];
}
