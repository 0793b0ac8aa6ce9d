using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Hosting;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Rules;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// A rule that fails on every message is restarted over and over by its backoff supervisor; batches handed to a
/// worker that has just failed go to dead letters. Every message must still be accounted for.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class RuleRestartAccountingTests : TestKit
{
    private const int Messages = 20_001;

    [Fact]
    public async Task Every_message_to_a_restarting_rule_is_processed_or_dropped_with_a_reason()
    {
        using var folder = new RuleFolder();
        var node = new NodeServices(new IngestQueue(Messages), new NodeMetrics(), TimeProvider.System, "node1");
        var router = Sys.ActorOf(RouterActor.Props(node.Queue, node.Metrics, 64, DefaultPipeline.Settings.MaxBackpressure));
        var rule = folder.Rule("failing", "function log(m) error('always') end", r => r with
        {
            RestartMinBackoff = TimeSpan.FromMilliseconds(20),
            RestartMaxBackoff = TimeSpan.FromMilliseconds(50),
        });
        var worker = RuleWorkerActor.Props(rule, 0, node, router, ActionTargets.None, maxConsecutiveErrors: 5, DefaultPipeline.Settings.MaxMessagesInFlight);
        var supervisor = Sys.ActorOf(RulesHosting.Supervised(worker, rule), "rule-failing");
        await supervisor.Ask<RuleStats>(GetRuleStats.Instance, TimeSpan.FromSeconds(10));

        // In bursts, so batches arrive while the worker runs, just after it failed, and while it waits out its backoff.
        for (var sent = 0; sent < Messages; sent += 500)
        {
            for (var i = sent; i < Math.Min(sent + 500, Messages); i++)
            {
                Assert.True(node.Queue.TryEnqueue(RuleFolder.Message($"m{i}")));
            }

            await Task.Delay(5);
        }

        var consumer = node.Metrics.Consumer(RuleWorkerActor.ConsumerName(rule, 0));
        var processed = node.Metrics.Rule("failing");
        string Accounting() => $"delivered {consumer.Delivered}, in flight {consumer.InFlight}, {consumer}; rule processed {processed.Messages}, queued {node.Queue.Count}";
        AwaitAssert(
            () => Assert.True(
                consumer.InFlight == 0 && node.Queue.Count == 0 && Messages == consumer.Delivered + consumer.Dropped,
                Accounting()),
            TimeSpan.FromSeconds(20));

        // Delivered means the rule ran on it: batches lost in a failed worker's mailbox are not counted delivered.
        Assert.Equal(consumer.Delivered, processed.Messages);
        Assert.Equal(
            Messages,
            consumer.Delivered + consumer.DroppedFor(DropReason.Restarting) + consumer.DroppedFor(DropReason.Lagging));
        Assert.True(consumer.DroppedFor(DropReason.Restarting) > 0, Accounting());
        Assert.True(processed.Errors >= 10, $"the rule failed only {processed.Errors} times; it should have restarted repeatedly");
    }
}
