using Akka.Actor;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;

namespace Syslogintr.Rules.Distributed;

/// <summary>
/// The local consumer (<c>rule:NAME</c>) of a partitioned or singleton rule on an <c>ingest</c> node. It answers the
/// router's batch at once (it never holds the router, nor so a listener), splits it by bucket (the rule's
/// partition-by key modulo its buckets) and sends one <see cref="RuleBatch"/> per bucket to the rule's shard region
/// (or proxy). Credit per destination, as the router's per consumer: at most <c>bucket-credit</c> messages
/// unacknowledged per bucket, beyond that the bucket's share is dropped (<see cref="DropReason.Lagging"/>); a batch
/// unacknowledged for <c>ack-timeout</c> (its node dead, unreachable or stuck) is given up and counted
/// (<see cref="DropReason.Unreachable"/>). A given-up batch keeps its credit until its late answer comes or
/// <see cref="HoldFactor"/> ack-timeouts have passed since it was sent: an overloaded bucket still works through
/// it, and returning the credit at once would let the next batches pile up behind it between the nodes without
/// bound. Every message the router hands it is, in its counters (<see cref="NodeMetrics.Forwarded"/>), delivered
/// (the bucket acknowledged it), in flight or dropped.
/// </summary>
public sealed class RuleForwarderActor : ReceiveActor, IWithTimers
{
    /// <summary>
    /// How many ack-timeouts a given-up batch holds its bucket's credit when no late answer comes: long enough for a
    /// dead node to be downed and its buckets re-homed (about 8 s with the shipped settings) before new batches go
    /// out, short enough that a lost answer does not block a bucket for long.
    /// </summary>
    public const int HoldFactor = 3;

    private const string CheckAcksTimer = "check-acks";

    private readonly RuleDefinition rule;
    private readonly IActorRef region;
    private readonly ConsumerCounters counters;
    private readonly TimeProvider clock;
    private readonly TimeSpan ackTimeout;
    private readonly int credit;
    private readonly Destination[] buckets;
    private long sequence;

    public RuleForwarderActor(RuleDefinition rule, IActorRef region, ConsumerCounters counters, TimeProvider clock, DistributedRuleSettings settings)
    {
        this.rule = rule;
        this.region = region;
        this.counters = counters;
        this.clock = clock;
        ackTimeout = settings.AckTimeout;
        credit = settings.BucketCredit;
        buckets = [.. Enumerable.Range(0, rule.Buckets).Select(_ => new Destination())];

        Receive<MessageBatch>(OnBatch);
        Receive<RuleBatchDone>(OnDone);
        Receive<CheckAcks>(_ => GiveUpOverdue());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RuleDefinition rule, IActorRef region, ConsumerCounters counters, TimeProvider clock, DistributedRuleSettings settings) =>
        Akka.Actor.Props.Create(() => new RuleForwarderActor(rule, region, counters, clock, settings));

    /// <summary>What is still unacknowledged when the node stops will not be acknowledged to anyone: counted (shutdown).</summary>
    protected override void PostStop()
    {
        foreach (var destination in buckets)
        {
            foreach (var sent in destination.Unacknowledged)
            {
                counters.OnLost(sent.Count, DropReason.Shutdown);
            }

            destination.Unacknowledged.Clear();
        }
    }

    private void OnBatch(MessageBatch batch)
    {
        Sender.Tell(BatchDone.Instance);
        if (buckets.Length == 1)
        {
            Send(0, batch.Messages);
            return;
        }

        var shares = new List<SyslogMessage>?[buckets.Length];
        foreach (var message in batch.Messages)
        {
            var bucket = PartitionKey.Instance(PartitionKey.Of(message, rule.PartitionBy), buckets.Length);
            (shares[bucket] ??= []).Add(message);
        }

        for (var bucket = 0; bucket < shares.Length; bucket++)
        {
            if (shares[bucket] is { } share)
            {
                Send(bucket, share);
            }
        }
    }

    /// <summary>What the bucket's credit allows (at least one batch to an idle bucket, as the router does); the rest is dropped and counted.</summary>
    private void Send(int bucket, IReadOnlyList<SyslogMessage> share)
    {
        var destination = buckets[bucket];
        var room = destination.Holding == 0 ? share.Count : Math.Min(share.Count, credit - destination.Holding);
        if (room < share.Count)
        {
            counters.OnDropped(share.Count - Math.Max(room, 0), DropReason.Lagging);
        }

        if (room <= 0)
        {
            return;
        }

        var messages = room == share.Count ? share : share.Take(room).ToArray();
        var sent = new Sent(++sequence, room, clock.GetUtcNow());
        destination.Unacknowledged.Add(sent);
        if (!Timers.IsTimerActive(CheckAcksTimer))
        {
            // A quarter of the timeout: a batch is given up between 1 and 1.25 ack-timeouts after it was sent. Only
            // while batches are out: an idle node runs no timer for it.
            var every = ackTimeout / 4;
            Timers.StartPeriodicTimer(CheckAcksTimer, CheckAcks.Instance, every < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : every);
        }

        counters.OnHandedOver(room);
        region.Tell(new RuleBatch(bucket, sent.Sequence, messages), Self);
    }

    /// <summary>A bucket handled a batch; one given up already (late) counts nothing more but gives its credit back.</summary>
    private void OnDone(RuleBatchDone done)
    {
        if (done.Bucket < 0 || done.Bucket >= buckets.Length)
        {
            return;
        }

        var destination = buckets[done.Bucket];
        var i = destination.Unacknowledged.FindIndex(s => s.Sequence == done.Sequence);
        if (i >= 0)
        {
            counters.OnAcknowledged(destination.Unacknowledged[i].Count);
            destination.Unacknowledged.RemoveAt(i);
            return;
        }

        destination.GivenUp.RemoveAll(s => s.Sequence == done.Sequence);
    }

    private void GiveUpOverdue()
    {
        var now = clock.GetUtcNow();
        var overdue = now - ackTimeout;
        var released = now - (ackTimeout * HoldFactor);
        foreach (var destination in buckets)
        {
            destination.GivenUp.RemoveAll(sent => sent.At <= released);
            destination.Unacknowledged.RemoveAll(sent =>
            {
                if (sent.At > overdue)
                {
                    return false;
                }

                counters.OnLost(sent.Count, DropReason.Unreachable);
                destination.GivenUp.Add(sent);
                return true;
            });
        }

        if (buckets.All(d => d.Unacknowledged.Count == 0 && d.GivenUp.Count == 0))
        {
            Timers.Cancel(CheckAcksTimer);
        }
    }

    private sealed record Sent(long Sequence, int Count, DateTimeOffset At);

    /// <summary>One bucket as this node sees it: the batches it has not acknowledged, oldest first, and those given up that still hold credit.</summary>
    private sealed class Destination
    {
        public List<Sent> Unacknowledged { get; } = [];

        public List<Sent> GivenUp { get; } = [];

        /// <summary>The credit in use: messages in flight and in batches given up but perhaps still queued for the bucket.</summary>
        public int Holding => Unacknowledged.Sum(s => s.Count) + GivenUp.Sum(s => s.Count);
    }

    private sealed class CheckAcks
    {
        public static readonly CheckAcks Instance = new();
    }
}
