using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit.Xunit2;
using Syslogintr.Hosting;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Rules;
using Xunit.Abstractions;

using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// Messages per second through one trivial rule (log increments a counter): straight into the Lua host, and through
/// the ingest queue, the router and one worker actor. Bounded (200k messages); the floor asserted is far below
/// the figure measured on an idle machine so a busy shared CI machine does not fail it.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class RuleThroughputTests(ITestOutputHelper output) : TestKit
{
    private const int Count = 200_000;
    private const string Counter = "n = 0 function log(m) n = n + 1 end";

    [Fact]
    public void One_lua_state_calls_log_fast()
    {
        using var folder = new RuleFolder();
        using var rule = LuaRule.Load(folder.Rule("count", Counter), new RecordingEffects(), TimeProvider.System, "node1");
        var messages = Enumerable.Range(0, 1000).Select(i => RuleFolder.Message($"message {i}", remote: $"192.0.2.{i % 200}")).ToArray();
        for (var i = 0; i < 10_000; i++)
        {
            rule.Deliver(messages[i % messages.Length]);
        }

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Count; i++)
        {
            rule.Deliver(messages[i % messages.Length]);
        }

        var rate = Count / watch.Elapsed.TotalSeconds;
        output.WriteLine($"LuaRule.Deliver: {rate:N0} msg/s");
        Assert.True(rate > 50_000, $"{rate:N0} msg/s");
    }

    [Fact]
    public void One_worker_behind_the_router_keeps_up()
    {
        using var folder = new RuleFolder();
        var node = new NodeServices(new IngestQueue(Count), new NodeMetrics(), TimeProvider.System, "node1");
        var router = Sys.ActorOf(RouterActor.Props(node.Queue, node.Metrics, 1024));
        var worker = Sys.ActorOf(RuleWorkerActor.Props(folder.Rule("count", Counter), 0, node, router, new ActorRegistry(), 1000));
        AwaitAssert(() => Assert.Single(node.Metrics.Consumers));
        var messages = Enumerable.Range(0, 1000).Select(i => RuleFolder.Message($"message {i}", remote: $"192.0.2.{i % 200}")).ToArray();

        // Offered in chunks the worker's credit can hold (64 batches of 1024), so the figure is what it handles, not what is dropped.
        const int Chunk = 32 * 1024;
        var consumer = Assert.Single(node.Metrics.Consumers);
        var watch = Stopwatch.StartNew();
        for (var sent = 0; sent < Count;)
        {
            for (var i = 0; i < Chunk && sent < Count; i++, sent++)
            {
                node.Queue.TryEnqueue(messages[sent % messages.Length]);
            }

            AwaitAssert(() =>
            {
                worker.Tell(GetRuleStats.Instance, TestActor);
                Assert.Equal(sent, ExpectMsg<RuleStats>().Messages);
            }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(5));
        }

        var rate = Count / watch.Elapsed.TotalSeconds;
        output.WriteLine($"queue -> router -> worker: {rate:N0} msg/s");
        Assert.Equal(0, consumer.Dropped);
        Assert.True(rate > 30_000, $"{rate:N0} msg/s");
    }
}
