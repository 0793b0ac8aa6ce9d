using System.Diagnostics;
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
}
