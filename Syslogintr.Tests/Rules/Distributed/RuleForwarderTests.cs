using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Node;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;
using Syslogintr.Rules;
using Syslogintr.Rules.Distributed;

namespace Syslogintr.Tests.Rules.Distributed;

/// <summary>
/// The forwarder of a partitioned rule, its shard region a probe: one batch per bucket, credit per bucket, an
/// unanswered batch given up after ack-timeout on the forwarder's clock, and every message accounted for.
/// </summary>
public sealed class RuleForwarderTests : TestKit, IDisposable
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromMilliseconds(200);
    private readonly RuleFolder folder = new();
    private readonly ConsumerCounters counters = new("count");
    private readonly ManualClock clock = new(DateTimeOffset.UnixEpoch);
    private long handed;

    public RuleForwarderTests()
        : base(NodeConfig.Defaults())
    {
    }

    [Fact]
    public void A_batch_is_answered_at_once_and_split_into_one_batch_per_bucket()
    {
        var region = CreateTestProbe();
        var forwarder = Forwarder(region, partitions: 4, credit: 100);
        string[] remotes = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6"];
        var messages = remotes.SelectMany(r => new[] { Message(r), Message(r) }).ToList();

        Hand(forwarder, messages);

        var expected = messages.GroupBy(Bucket).ToDictionary(g => g.Key, g => g.ToList());
        var batches = expected.Keys.Select(_ => region.ExpectMsg<RuleBatch>()).ToList();
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(expected.Keys.Order(), batches.Select(b => b.Bucket).Order());
        Assert.All(batches, b => Assert.Equal(expected[b.Bucket], b.Messages));

        foreach (var b in batches)
        {
            forwarder.Tell(new RuleBatchDone(b.Bucket, b.Sequence), region.Ref);
        }

        AwaitAssert(() => Assert.Equal(messages.Count, counters.Delivered));
        AssertAccounted();
    }

    [Fact]
    public void A_bucket_out_of_credit_has_its_share_dropped_as_lagging_and_the_others_go_on()
    {
        var region = CreateTestProbe();
        var forwarder = Forwarder(region, partitions: 4, credit: 3);
        var (slow, other) = TwoRemotesInDifferentBuckets(4);

        Hand(forwarder, [Message(slow), Message(slow)]);
        var first = region.ExpectMsg<RuleBatch>();
        Hand(forwarder, [Message(slow), Message(slow), Message(slow), Message(other)]);

        // One message of credit was left for the slow bucket; the other bucket gets its whole share.
        var batches = new[] { region.ExpectMsg<RuleBatch>(), region.ExpectMsg<RuleBatch>() }.ToDictionary(b => b.Messages[0].Origin.RemoteAddress!);
        Assert.Single(batches[slow].Messages);
        Assert.Single(batches[other].Messages);
        AwaitAssert(() => Assert.Equal(2, counters.DroppedFor(DropReason.Lagging)));
        Assert.Equal(4, counters.InFlight);
        AssertAccounted();

        // Once acknowledged, credit is back.
        forwarder.Tell(new RuleBatchDone(first.Bucket, first.Sequence), region.Ref);
        forwarder.Tell(new RuleBatchDone(batches[slow].Bucket, batches[slow].Sequence), region.Ref);
        Hand(forwarder, [Message(slow), Message(slow), Message(slow)]);
        Assert.Equal(3, region.ExpectMsg<RuleBatch>().Messages.Count);
        AssertAccounted();
    }

    [Fact]
    public void A_batch_unanswered_for_ack_timeout_is_given_up_as_unreachable_and_holds_its_credit_until_its_late_answer()
    {
        var region = CreateTestProbe();
        var forwarder = Forwarder(region, partitions: 4, credit: 2);
        var (remote, _) = TwoRemotesInDifferentBuckets(4);

        Hand(forwarder, [Message(remote), Message(remote)]);
        var lost = region.ExpectMsg<RuleBatch>();
        Hand(forwarder, [Message(remote)]);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, counters.DroppedFor(DropReason.Lagging));
        Assert.Equal(0, counters.DroppedFor(DropReason.Unreachable));

        clock.Advance(AckTimeout + TimeSpan.FromMilliseconds(1));
        AwaitAssert(() => Assert.Equal(2, counters.DroppedFor(DropReason.Unreachable)));
        Assert.Equal(0, counters.InFlight);

        // Given up, but perhaps still queued for an overloaded bucket: nothing more piles up behind it.
        Hand(forwarder, [Message(remote), Message(remote)]);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(3, counters.DroppedFor(DropReason.Lagging));

        // Its late answer counts nothing more and gives the credit back; the answer to the next batch is counted.
        forwarder.Tell(new RuleBatchDone(lost.Bucket, lost.Sequence), region.Ref);
        Hand(forwarder, [Message(remote), Message(remote)]);
        var next = region.ExpectMsg<RuleBatch>();
        Assert.Equal(2, next.Messages.Count);
        forwarder.Tell(new RuleBatchDone(next.Bucket, next.Sequence), region.Ref);
        AwaitAssert(() => Assert.Equal(2, counters.Delivered));
        Assert.Equal(2, counters.DroppedFor(DropReason.Unreachable));
        AssertAccounted();
    }

    [Fact]
    public void A_given_up_batch_that_is_never_answered_releases_its_credit_after_hold_factor_ack_timeouts()
    {
        var region = CreateTestProbe();
        var forwarder = Forwarder(region, partitions: 4, credit: 2);
        var (remote, _) = TwoRemotesInDifferentBuckets(4);

        Hand(forwarder, [Message(remote), Message(remote)]);
        region.ExpectMsg<RuleBatch>();
        clock.Advance(AckTimeout + TimeSpan.FromMilliseconds(1));
        AwaitAssert(() => Assert.Equal(2, counters.DroppedFor(DropReason.Unreachable)));

        clock.Advance(AckTimeout * (RuleForwarderActor.HoldFactor - 1));
        AwaitAssert(() =>
        {
            Hand(forwarder, [Message(remote)]);
            region.ExpectMsg<RuleBatch>(TimeSpan.FromMilliseconds(100));
        });
        AssertAccounted();
    }

    [Fact]
    public void A_singleton_rule_sends_the_whole_batch_to_its_one_bucket()
    {
        var region = CreateTestProbe();
        var forwarder = Forwarder(region, partitions: 64, credit: 100, RuleDistribution.Singleton);
        var messages = Enumerable.Range(1, 20).Select(i => Message($"192.0.2.{i}")).ToList();

        Hand(forwarder, messages);

        var batch = region.ExpectMsg<RuleBatch>();
        Assert.Equal(0, batch.Bucket);
        Assert.Equal(messages, batch.Messages);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    public new void Dispose()
    {
        folder.Dispose();
        base.Dispose();
    }

    private IActorRef Forwarder(Akka.TestKit.TestProbe region, int partitions, int credit, RuleDistribution distribution = RuleDistribution.Partitioned)
    {
        var rule = folder.Rule("count", "function log(msg) end", r => r with { Distribution = distribution, Partitions = partitions });
        return Sys.ActorOf(RuleForwarderActor.Props(rule, region.Ref, counters, clock, new DistributedRuleSettings(AckTimeout, credit)));
    }

    /// <summary>What the router does: hand a batch over (counted as handed to the forwarder) and wait for its answer.</summary>
    private void Hand(IActorRef forwarder, List<SyslogMessage> messages)
    {
        handed += messages.Count;
        forwarder.Tell(new MessageBatch(messages), TestActor);
        ExpectMsg<BatchDone>();
    }

    /// <summary>Handed to the forwarder = delivered + dropped (every reason) + in flight, at any time.</summary>
    private void AssertAccounted() => AwaitAssert(() => Assert.Equal(handed, counters.Delivered + counters.Dropped + counters.InFlight));

    private static SyslogMessage Message(string remote) => RuleFolder.Message("Failed password", remote);

    private static int Bucket(SyslogMessage m) => PartitionKey.Instance(PartitionKey.Of(m, "remote"), 4);

    private static (string, string) TwoRemotesInDifferentBuckets(int partitions)
    {
        var first = "192.0.2.1";
        var bucket = PartitionKey.Instance(first, partitions);
        var second = Enumerable.Range(2, 250).Select(i => $"192.0.2.{i}").First(r => PartitionKey.Instance(r, partitions) != bucket);
        return (first, second);
    }
}
