using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Syslogintr.Alerts;
using Syslogintr.Cluster;
using Syslogintr.Hosting;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Cluster;

/// <summary>
/// What wakes an idle cluster node (issue 14): the timers its scheduler runs with no traffic. Akka's own periodic work
/// (replicated data's delta propagation every 400 ms and notify every 500 ms, remoting's ack check every 500 ms;
/// heartbeats, gossip, leader and failure-detector ticks every second; replicated data's gossip every 2 s) comes to
/// about 16 a second. Replicated data's former 20 ms notify and 200 ms gossip, and remoting's 150 ms ack check, made
/// it about 85: the bound below sits between the two, far from both. Sharing wake-ups within their slack, they wake
/// the scheduler's thread about 5 times a second; one wake-up per timer would be about 15.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterIdleTests
{
    [Fact]
    public async Task An_idle_cluster_node_runs_at_most_35_timers_a_second_in_at_most_10_wake_ups()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var schedulers = cluster.Nodes.Select(n => Assert.IsType<DeadlineScheduler>(n.System.Scheduler)).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2)); // past the joining's own retries

        var before = schedulers.Select(s => (s.Ran, s.Wakes)).ToList();
        var watch = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(4));
        var seconds = watch.Elapsed.TotalSeconds;

        var rates = schedulers.Select((s, i) => (Ran: (s.Ran - before[i].Ran) / seconds, Wakes: (s.Wakes - before[i].Wakes) / seconds)).ToList();
        // At least the heartbeats: the count is real. At most 35: nothing polls every few tens of milliseconds.
        Assert.All(rates, rate => Assert.InRange(rate.Ran, 2, 35));
        // Timers share wake-ups: fewer than half as many as timers run, and at most 10 a second.
        Assert.All(rates, rate => Assert.True(rate.Wakes <= Math.Min(10, rate.Ran / 2), $"{rate.Wakes:F1} wake-ups a second for {rate.Ran:F1} timers"));
    }

    [Fact]
    public async Task Once_its_work_is_done_an_idle_cluster_node_keeps_no_periodic_timer_for_its_cluster_status_alerts_mail_or_rule_forwarders()
    {
        using var folder = new TempDirectory();
        var script = folder.File("seen.lua");
        await File.WriteAllTextAsync(script, "function log(msg) alert{ subject = 'seen ' .. msg.host } end\n");
        // Forwarded to buckets on both nodes and raising alerts, which expire 1 s after their last raise (rules cannot
        // clear them); their mails go to a closed port and are retried on single timers, which do not repeat.
        await using var cluster = await TestCluster.StartAsync(2, _ => $$"""
            syslogintr.rules.seen {
              script = "{{script}}"
              distribution = partitioned
              partitions = 4
              partition-by = host
              match.program = [idle]
            }
            syslogintr.alerts { resolve-timeout = 1s, group-window = 1s }
            syslogintr.mail.smtp.port = {{TestNode.FreePort()}}
            """);
        using (var udp = new UdpClient())
        {
            foreach (var node in cluster.Nodes)
            {
                for (var i = 0; i < 8; i++)
                {
                    await udp.SendAsync(Encoding.ASCII.GetBytes($"<13>Dec  1 12:00:00 h{i} idle: hello"), new IPEndPoint(IPAddress.Loopback, node.Port));
                }
            }
        }

        await Poll.UntilAsync(() => cluster.Nodes.Sum(n => n.Services.Metrics.Rule("seen").Messages) == 16, "16 messages through the rule's buckets");
        await Poll.UntilAsync(() => cluster.Nodes.All(n => n.Services.Metrics.Forwarded("seen").InFlight == 0), "every batch acknowledged");
        await Poll.UntilAsync(() => cluster.Nodes.Sum(n => n.Services.Metrics.Alerts.Sent) >= 1 && cluster.Nodes.All(n => n.Services.Metrics.Alerts.Active == 0), "the alerts raised and expired");
        // The rule forwarder looks at its acknowledgements every ack-timeout / 4 (1.25 s) while any are due, and stops at the first look that finds none.
        await Task.Delay(TimeSpan.FromSeconds(3));

        // The cluster status, the alert forwarder, the alert owner and its mailer (under Akka's singleton manager,
        // whose own timers are Akka's), and the rule's forwarder (named as a local worker of the rule would be).
        string[] ours = [$"/user/{ClusterStatusActor.Name}", $"/user/{AlertsHosting.Name}", $"/user/{AlertsHosting.OwnerManagerName}/{AlertsHosting.OwnerName}", "/user/rule-seen"];
        var seen = new HashSet<string>();
        for (var look = 0; look < 10; look++)
        {
            foreach (var node in cluster.Nodes)
            {
                seen.UnionWith(Assert.IsType<DeadlineScheduler>(node.System.Scheduler).RepeatedReceivers().Select(p => p.ToStringWithoutAddress()));
            }

            await Task.Delay(200);
        }

        // The look works: Akka's replicated data ticks, as ever.
        Assert.Contains("/user/ddataReplicator", seen);
        Assert.DoesNotContain(seen, path => ours.Any(actor => path == actor || path.StartsWith(actor + "/", StringComparison.Ordinal)));
    }
}
