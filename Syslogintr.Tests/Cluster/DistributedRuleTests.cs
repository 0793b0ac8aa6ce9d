using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Syslogintr.Metrics;
using Syslogintr.Rules.Distributed;
using Syslogintr.Tests.Rules;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Cluster;

/// <summary>
/// Partitioned and singleton rules on 3 whole nodes in this process: each message is counted once, by one state,
/// wherever it arrived; a bucket's state survives its node's graceful leave; a dead rules node costs counted
/// drops, never a stalled listener, and its buckets come back on the others once it is downed.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed partial class DistributedRuleTests : IDisposable
{
    /// <summary>Counts per HOSTNAME; logs each count with syslog(); hands its counts over when its bucket moves.</summary>
    private const string CountScript = """
        local counts = {}
        function log(msg)
          local n = (counts[msg.hostname] or 0) + 1
          counts[msg.hostname] = n
          syslog("info", ("count %s %d"):format(msg.hostname, n))
        end
        function snapshot() return { counts = counts } end
        function restore(t) counts = t.counts end
        """;

    /// <summary>Counts every message it sees.</summary>
    private const string TotalScript = """
        local n = 0
        function log(msg)
          n = n + 1
          syslog("info", "total " .. n)
        end
        """;

    private readonly string folder = TempFolder.Create();

    public void Dispose() => TempFolder.Delete(folder);

    [Fact]
    public async Task Partitioned_and_singleton_rules_count_each_message_once_whichever_node_received_it()
    {
        await using var cluster = await TestCluster.StartAsync(3, _ => CountingRules());
        await WaitForRegionsAsync(cluster, 3);
        string[] hosts = ["h1", "h2", "h3", "h4", "h5", "h6"];
        using var sender = new UdpClient();

        // One sender, each host's lines spread over the three nodes' listeners.
        for (var round = 0; round < 2; round++)
        {
            foreach (var host in hosts)
            {
                foreach (var node in cluster.Nodes)
                {
                    await SendUdpAsync(sender, node, $"<13>Dec  1 12:00:00 {host} counter: hit");
                }
            }
        }

        const int PerHost = 6;
        var total = hosts.Length * PerHost;
        var lines = await WaitForLinesAsync(cluster.Nodes, all => all.Contains($"total {total}") && hosts.All(h => all.Contains($"count {h} {PerHost}")));

        // Every count from 1 to its end exactly once: one state per host, one for the singleton, none twice.
        foreach (var host in hosts)
        {
            Assert.Equal(Enumerable.Range(1, PerHost).Select(n => $"count {host} {n}"), lines.Where(l => l.StartsWith($"count {host} ", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        }

        Assert.Equal(Enumerable.Range(1, total).Select(n => $"total {n}").Order(StringComparer.Ordinal), lines.Where(l => l.StartsWith("total ", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.True(cluster.Nodes.Count(n => n.Services.Metrics.Rule("count").Messages > 0) >= 2, "the partitioned rule's buckets all ran on one node");
        Assert.Equal(1, cluster.Nodes.Count(n => n.Services.Metrics.Rule("total").Messages > 0));
        Assert.All(cluster.Nodes, n => Assert.Equal(0, n.Services.Metrics.Forwarded("count").Dropped + n.Services.Metrics.Forwarded("total").Dropped));
        foreach (var node in cluster.Nodes)
        {
            await AssertForwardedAccountedAsync(node);
        }
    }

    [Fact]
    public async Task Roles_decide_where_listeners_and_buckets_run()
    {
        // Node 0 carries every role, node 1 only rules and ops, node 2 only ingest.
        string[] roles = ["[ingest, rules, ops]", "[rules, ops]", "[ingest]"];
        await using var cluster = await TestCluster.StartAsync(3, i => CountingRules() + $"\nsyslogintr.cluster.roles = {roles[i]}");
        await WaitForRegionsAsync(cluster, 2);
        string[] hosts = ["h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"];
        using var sender = new UdpClient();

        foreach (var host in hosts)
        {
            await SendUdpAsync(sender, cluster[2], $"<13>Dec  1 12:00:00 {host} counter: hit");
            await SendUdpAsync(sender, cluster[0], $"<13>Dec  1 12:00:00 {host} counter: hit");
        }

        await WaitForLinesAsync(cluster.Nodes, all => all.Contains($"total {2 * hosts.Length}") && hosts.All(h => all.Contains($"count {h} 2")));
        Assert.Equal(0, cluster[2].Services.Metrics.Rule("count").Messages + cluster[2].Services.Metrics.Rule("total").Messages);
        Assert.True(cluster[2].Services.Metrics.Forwarded("count").Delivered > 0, "the ingest-only node forwarded nothing");
        var refused = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, cluster[1].Port);
        });
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task Without_the_cluster_partitioned_and_singleton_rules_run_locally()
    {
        await using var node = await TestNode.StartAsync(CountingRules());
        using var sender = new UdpClient();

        await SendUdpAsync(sender, node, "<13>Dec  1 12:00:00 h1 counter: hit");
        await SendUdpAsync(sender, node, "<13>Dec  1 12:00:00 h2 counter: hit");

        await WaitForLinesAsync([node], all => all.Contains("count h1 1") && all.Contains("count h2 1") && all.Contains("total 2"));
        Assert.Equal((2, 2), (node.Services.Metrics.Rule("count").Messages, node.Services.Metrics.Rule("total").Messages));
        Assert.Equal(0, node.Services.Metrics.Forwarded("count").Delivered + node.Services.Metrics.Forwarded("count").InFlight);
    }

    [Fact]
    public async Task A_bucket_that_keeps_failing_is_restarted_with_backoff_and_what_it_misses_meanwhile_is_counted()
    {
        var script = Write("failing.lua", """
            local n = 0
            function log(msg)
              if msg.msg:find("boom", 1, true) then error("boom") end
              n = n + 1
              syslog("info", ("count %s %d"):format(msg.hostname, n))
            end
            """);
        await using var cluster = await TestCluster.StartAsync(1, _ => $$"""
            syslogintr {
              rules.count { script = "{{script}}", distribution = singleton, match.program = [counter], restart-backoff { min = 2s, max = 4s } }
              rule-defaults.max-consecutive-errors = 3
              cluster.ack-timeout = 500ms
            }
            """);
        var node = cluster[0];
        var counters = node.Services.Metrics.Forwarded("count");
        using var sender = new UdpClient();
        Task HitAsync() => SendUdpAsync(sender, node, "<13>Dec  1 12:00:00 h1 counter: hit");

        await HitAsync();
        await WaitForLinesAsync([node], all => all.Contains("count h1 1"));
        for (var i = 0; i < 3; i++)
        {
            await SendUdpAsync(sender, node, "<13>Dec  1 12:00:00 h1 counter: boom");
        }

        await Poll.UntilAsync(() => node.Services.Metrics.Rule("count").Errors == 3, "3 errors in a row");
        await HitAsync();
        await Poll.UntilAsync(() => counters.DroppedFor(DropReason.Unreachable) == 1, "the hit sent while the bucket waits out its backoff counted unreachable");
        Assert.Single(Counts(node.ReadLines()), l => l == "count h1 1");

        // Back after its backoff, with a fresh state.
        await Poll.UntilAsync(
            async () =>
            {
                await HitAsync();
                await Task.Delay(300);
                return Counts(node.ReadLines()).Count(l => l == "count h1 1") == 2;
            },
            "the bucket counting again from 1");
    }

    [Fact]
    public async Task A_graceful_leave_hands_the_bucket_over_so_sshblock_bans_at_maxretry_not_later()
    {
        await using var cluster = await TestCluster.StartAsync(3, i => SshBlock(i, maxretry: 5));
        using var sender = new UdpClient();
        var failure = 0;
        async Task FailOnAsync(TestNode node) =>
            await SendUdpAsync(sender, node, $"<38>Dec  1 12:00:0{failure} server sshd[{4000 + ++failure}]: Failed password for root from 192.0.2.7 port 22 ssh2");
        long Handled(IEnumerable<TestNode> nodes) => nodes.Sum(n => n.Services.Metrics.Rule("sshblock").Messages);

        foreach (var node in cluster.Nodes)
        {
            await FailOnAsync(node);
        }

        await Poll.UntilAsync(() => Handled(cluster.Nodes) == 3, "3 failures handled");
        var owner = Assert.Single(cluster.Nodes, n => n.Services.Metrics.Rule("sshblock").Messages > 0);
        await owner.StopAsync();
        var survivors = cluster.Nodes.Where(n => n != owner).ToList();

        await FailOnAsync(survivors[0]);
        await Poll.UntilAsync(() => Handled(survivors) == 1, "the 4th failure handled by the bucket's new owner");
        await Task.Delay(300);
        Assert.Empty(BanCommands());

        await FailOnAsync(survivors[1]);
        await Poll.UntilAsync(() => BanCommands().Count >= 2, "the ban at the 5th failure, applied by both survivors");
        await Task.Delay(500);
        AssertOneBanPerNode(BanCommands(), survivors.Select(n => cluster.Nodes.ToList().IndexOf(n)));
    }

    [Fact]
    public async Task An_attackers_failures_spread_over_three_nodes_make_one_ban_applied_by_every_node()
    {
        await using var cluster = await TestCluster.StartAsync(3, i => SshBlock(i, maxretry: 5));
        await WaitForRegionsAsync(cluster, 3, "sshblock");
        using var sender = new UdpClient();
        var failure = 0;
        async Task FailOnAsync(TestNode node) =>
            await SendUdpAsync(sender, node, $"<38>Dec  1 12:00:0{failure} server sshd[{4000 + ++failure}]: Failed password for root from 192.0.2.9 port 22 ssh2");

        // Four failures, none of the nodes receiving more than two: a per-node count would never reach 5.
        foreach (var i in new[] { 0, 1, 2, 0 })
        {
            await FailOnAsync(cluster[i]);
        }

        await Poll.UntilAsync(() => cluster.Nodes.Sum(n => n.Services.Metrics.Rule("sshblock").Messages) == 4, "4 failures handled");
        await Task.Delay(300);
        Assert.Empty(BanCommands());

        await FailOnAsync(cluster[1]);
        await Poll.UntilAsync(() => BanCommands().Count >= 3, "the ban at the 5th failure, applied by all 3 nodes");
        await Task.Delay(500);
        AssertOneBanPerNode(BanCommands(), [0, 1, 2]);
    }

    private string SshBlock(int node, int maxretry) => $$"""
        syslogintr {
          rules.sshblock {
            script = "{{RuleFolder.Shipped}}/sshblock.lua"
            distribution = partitioned
            partition-by = remote
            match.program = [sshd]
            options { maxretry = {{maxretry}} }
          }
          ban {
            backend = iptables
            state-file = "{{folder}}/bans-{{node}}.json"
            iptables { program = "{{Recorder(node, "iptables")}}", program6 = "{{Recorder(node, "ip6tables")}}" }
          }
        }
        """;

    /// <summary>The attacker's one ban, applied exactly once by each of <paramref name="nodes"/>' own firewall backends.</summary>
    private static void AssertOneBanPerNode(IReadOnlyList<string> commands, IEnumerable<int> nodes)
    {
        Assert.All(commands, c => Assert.Matches(@"^node\d iptables -w -I syslogintr -s 192\.0\.2\.\d -j DROP$", c));
        Assert.Single(commands.Select(c => c[(c.IndexOf(' ', StringComparison.Ordinal) + 1)..]).Distinct());
        Assert.Equal(nodes.Select(n => $"node{n}").Order(), commands.Select(c => c[..c.IndexOf(' ', StringComparison.Ordinal)]).Order());
    }

    [Fact]
    public async Task A_killed_rules_node_costs_counted_drops_never_a_stalled_listener_and_its_buckets_come_back()
    {
        // A shorter stable-after than shipped (5s) only shortens the wait for the downing; the 1s ack-timeout makes
        // the dead node's share counted unreachable well before it.
        await using var cluster = await TestCluster.StartAsync(3, _ => CountingRules() + """

            syslogintr.cluster {
              ack-timeout = 1s
              split-brain-resolver.stable-after = 2s
            }
            """);
        await WaitForRegionsAsync(cluster, 3);
        var hosts = Enumerable.Range(0, 16).Select(i => $"h{i}").ToList();
        using var sender = new UdpClient();
        foreach (var host in hosts)
        {
            await SendUdpAsync(sender, cluster[0], $"<13>Dec  1 12:00:00 {host} counter: hit");
        }

        await WaitForLinesAsync(cluster.Nodes, all => hosts.All(h => all.Contains($"count {h} 1")));
        // The hosts whose bucket lives on node 2: it logged their counts.
        var orphaned = hosts.Where(h => Counts(cluster[2].ReadLines()).Contains($"count {h} 1")).ToList();
        Assert.NotEmpty(orphaned);

        await cluster.KillAsync(2);
        var survivors = cluster.Alive.ToList();
        using var first = new TcpClient("127.0.0.1", survivors[0].Port);
        using var second = new TcpClient("127.0.0.1", survivors[1].Port);
        TcpClient[] clients = [first, second];
        var longestWrite = TimeSpan.Zero;
        var sent = 0;
        var downed = cluster.WaitForMembersUpAsync(2, TimeSpan.FromSeconds(30), survivors);
        var settled = Stopwatch.StartNew();
        while (!downed.IsCompleted || settled.Elapsed < TimeSpan.FromSeconds(1))
        {
            if (!downed.IsCompleted)
            {
                settled.Restart();
            }

            foreach (var client in clients)
            {
                var line = Encoding.ASCII.GetBytes($"<13>Dec  1 12:00:00 {hosts[sent++ % hosts.Count]} counter: hit\n");
                var write = Stopwatch.StartNew();
                await client.GetStream().WriteAsync(line);
                longestWrite = write.Elapsed > longestWrite ? write.Elapsed : longestWrite;
            }

            await Task.Delay(10);
        }

        await downed;
        Assert.True(longestWrite < TimeSpan.FromMilliseconds(100), $"a sender was blocked {longestWrite.TotalMilliseconds:0} ms");
        Assert.All(survivors, n => Assert.Equal(0, n.Services.Metrics.Listeners.Sum(l => l.Dropped)));
        Assert.True(survivors.Sum(n => n.Services.Metrics.Forwarded("count").DroppedFor(DropReason.Unreachable)) > 0, "no drop was counted unreachable");

        // Re-homed: an orphaned host's bucket runs on a survivor (its state restarted: no hand-over from a crash).
        var before = survivors.Sum(n => Counts(n.ReadLines()).Count(l => l.StartsWith($"count {orphaned[0]} ", StringComparison.Ordinal)));
        await Poll.UntilAsync(
            async () =>
            {
                await SendUdpAsync(sender, survivors[0], $"<13>Dec  1 12:00:00 {orphaned[0]} counter: hit");
                await Task.Delay(200);
                return survivors.Sum(n => Counts(n.ReadLines()).Count(l => l.StartsWith($"count {orphaned[0]} ", StringComparison.Ordinal))) > before;
            },
            "the orphaned bucket counting again on a survivor");
        foreach (var node in survivors)
        {
            await AssertForwardedAccountedAsync(node);
        }
    }

    private string CountingRules() => $$"""
        syslogintr.rules {
          count {
            script = "{{Write("count.lua", CountScript)}}"
            distribution = partitioned
            partitions = 8
            partition-by = host
            match.program = [counter]
          }
          total {
            script = "{{Write("total.lua", TotalScript)}}"
            distribution = singleton
            match.program = [counter]
          }
        }
        """;

    /// <summary>What the router handed a rule's forwarder = delivered + dropped + in flight, once the router has nothing outstanding.</summary>
    private static async Task AssertForwardedAccountedAsync(TestNode node)
    {
        foreach (var rule in new[] { "count", "total" })
        {
            var routed = node.Services.Metrics.Consumer($"rule:{rule}");
            var forwarded = node.Services.Metrics.Forwarded(rule);
            await Poll.UntilAsync(() => routed.InFlight == 0, $"the router's batches to {rule}'s forwarder answered");
            Assert.Equal(routed.Delivered, forwarded.Delivered + forwarded.Dropped + forwarded.InFlight);
            Assert.True(routed.Delivered > 0, $"nothing was routed to {rule}'s forwarder");
        }
    }

    /// <summary>
    /// Until each node's region of the partitioned rule is known to the coordinator, it places new buckets among
    /// the regions it knows: right after start, all on the first node (a rebalance spreads them later).
    /// </summary>
    private static Task WaitForRegionsAsync(TestCluster cluster, int count, string rule = "count") => Poll.UntilAsync(
        async () => (await ClusterSharding.Get(cluster[0].System).ShardRegion($"rule-{rule}")
            .Ask<CurrentRegions>(GetCurrentRegions.Instance, TimeSpan.FromSeconds(3))).Regions.Count == count,
        $"{count} regions of rule-{rule} registered");

    private static async Task SendUdpAsync(UdpClient sender, TestNode node, string line) =>
        await sender.SendAsync(Encoding.ASCII.GetBytes(line), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, node.Port));

    /// <summary>The rules' syslog() lines ("count h1 3", "total 7") of all the nodes given, once <paramref name="done"/> holds for them.</summary>
    private static async Task<List<string>> WaitForLinesAsync(IEnumerable<TestNode> nodes, Func<List<string>, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var lines = nodes.SelectMany(n => Counts(n.ReadLines())).ToList();
            if (done(lines) || DateTime.UtcNow > deadline)
            {
                Assert.True(done(lines), $"not reached within 20 s; lines: {string.Join(", ", lines)}");
                return lines;
            }

            await Task.Delay(100);
        }
    }

    private static List<string> Counts(IEnumerable<string> lines) =>
        [.. lines.Select(l => CountLine().Match(l)).Where(m => m.Success).Select(m => m.Value)];

    private string Write(string name, string lua)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, lua);
        return path;
    }

    /// <summary>A stand-in for a firewall tool: appends node, name and argv to the shared command log.</summary>
    private string Recorder(int node, string name)
    {
        var path = Path.Combine(folder, $"{name}-{node}");
        File.WriteAllText(path, $"#!/bin/sh\necho \"node{node} {name} $*\" >> \"{Path.Combine(folder, "commands.log")}\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>The ban commands run (the start-up flushes left out).</summary>
    private List<string> BanCommands()
    {
        var log = Path.Combine(folder, "commands.log");
        return File.Exists(log) ? [.. File.ReadAllLines(log).Where(l => l.Contains(" -I ", StringComparison.Ordinal))] : [];
    }

    [GeneratedRegex(@"(count h\d+ \d+|total \d+)$")]
    private static partial Regex CountLine();
}
