using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Pipeline;

/// <summary>
/// The router's credit in bytes (<c>max-bytes-in-flight</c>): a consumer behind on big messages is bounded by their
/// bytes, not only by their count, under either on-lag policy, and every message stays accounted for.
/// </summary>
public sealed class RouterByteCreditTests : TestKit
{
    private const int Messages = 100;
    private const int BatchSize = 10;
    private const long ByteCredit = 64 * 1024;

    // 20 KB of text each (about 40 KB in memory): the byte credit holds one, while the count credit would take them all.
    private static SyslogMessage Big(int i) => new()
    {
        Facility = Facility.User,
        Severity = Severity.Notice,
        ReceivedAt = DateTimeOffset.UnixEpoch,
        Message = $"m{i} " + new string('x', 20_000),
        Origin = Origin.Internal,
    };

    [Fact]
    public void A_dropping_consumer_behind_on_big_messages_holds_no_more_than_its_byte_credit_and_the_rest_is_counted()
    {
        var queue = new IngestQueue(1000);
        var metrics = new NodeMetrics();
        var router = Sys.ActorOf(RouterActor.Props(queue, metrics, BatchSize, DefaultPipeline.Settings.MaxBackpressure, maxBytesInFlight: ByteCredit));
        var stuck = CreateTestProbe();
        var healthy = CreateTestProbe();
        router.Tell(new Subscribe("stuck", stuck, FilterSpec.All, MaxMessagesInFlight: 10_000, OnLag.Drop));
        // The byte credit is every consumer's: this one backpressures, so the router pulls a batch only once it has taken the last.
        router.Tell(new Subscribe("healthy", healthy, FilterSpec.All, MaxMessagesInFlight: 10_000, OnLag.Backpressure));
        ExpectMsg<Subscribed>();
        ExpectMsg<Subscribed>();

        for (var i = 0; i < Messages; i++)
        {
            Assert.True(queue.TryEnqueue(Big(i)));
        }

        var received = 0;
        while (received < Messages)
        {
            received += healthy.ExpectMsg<MessageBatch>().Messages.Count;
            healthy.Reply(BatchDone.Instance);
        }

        var counters = metrics.Consumer("stuck");
        AwaitAssert(() => Assert.Equal(Messages, counters.Delivered + counters.InFlight + counters.Dropped));
        // An idle consumer takes at least one message, however big; then nothing past its byte credit.
        var handed = stuck.ExpectMsg<MessageBatch>().Messages;
        Assert.InRange(handed.Sum(RouterActor.MessageBytes), 1, Math.Max(ByteCredit, RouterActor.MessageBytes(handed[0])));
        Assert.Equal(handed.Count, counters.InFlight);
        stuck.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(Messages - handed.Count, counters.DroppedFor(DropReason.Lagging));
        Assert.Equal(0, metrics.Consumer("healthy").Dropped);
    }

    [Fact]
    public void A_backpressure_consumer_out_of_byte_credit_stops_the_router_pulling_and_loses_nothing()
    {
        var queue = new IngestQueue(1000);
        var metrics = new NodeMetrics();
        var router = Sys.ActorOf(RouterActor.Props(queue, metrics, BatchSize, TimeSpan.FromSeconds(30), maxBytesInFlight: ByteCredit));
        var slow = CreateTestProbe();
        router.Tell(new Subscribe("slow", slow, FilterSpec.All, MaxMessagesInFlight: 10_000, OnLag.Backpressure));
        ExpectMsg<Subscribed>();

        for (var i = 0; i < Messages; i++)
        {
            Assert.True(queue.TryEnqueue(Big(i)));
        }

        // The router pulls a batch only while the consumer has credit, so it may overshoot by one batch at most; then it
        // stops pulling and the rest stays queued, where the listeners' policies apply. (How the first messages are cut
        // into batches depends on when the router wakes, so take every batch until it goes quiet.)
        var held = new List<IReadOnlyList<SyslogMessage>>();
        while (slow.ReceiveOne(TimeSpan.FromMilliseconds(200)) is MessageBatch b)
        {
            held.Add(b.Messages);
        }

        Assert.NotEmpty(held);
        Assert.True(held.SkipLast(1).Sum(b => b.Sum(RouterActor.MessageBytes)) < ByteCredit, "a batch was pulled past the byte credit");
        var first = held.SelectMany(b => b).ToList();
        Assert.InRange(first.Count, 1, 2 * BatchSize);
        var counters = metrics.Consumer("slow");
        Assert.Equal((long)first.Count, counters.InFlight);
        Assert.Equal(Messages - first.Count, queue.Count);

        var delivered = first.Select(m => m.Message).ToList();
        foreach (var _ in held)
        {
            slow.Send(router, BatchDone.Instance);
        }

        while (delivered.Count < Messages)
        {
            var batch = slow.ExpectMsg<MessageBatch>().Messages;
            Assert.True(counters.InFlight <= BatchSize, $"{counters.InFlight} messages in flight");
            delivered.AddRange(batch.Select(m => m.Message));
            slow.Reply(BatchDone.Instance);
        }

        Assert.Equal(Enumerable.Range(0, Messages).Select(i => Big(i).Message), delivered);
        AwaitAssert(() => Assert.Equal((long)Messages, counters.Delivered));
        Assert.Equal(0, counters.Dropped);
    }
}
