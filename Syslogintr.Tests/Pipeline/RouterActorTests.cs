using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Pipeline;

public sealed class RouterActorTests : TestKit
{
    /// <summary>Credit enough that no test here runs out of it unless it means to.</summary>
    private const int Credit = 10_000;

    private static SyslogMessage Message(string text, Facility facility = Facility.User) => new()
    {
        Facility = facility,
        Severity = Severity.Notice,
        ReceivedAt = DateTimeOffset.UnixEpoch,
        Message = text,
        Origin = Origin.Internal,
    };

    [Fact]
    public void Routes_each_consumer_only_what_its_filter_accepts()
    {
        var queue = new IngestQueue(100);
        var metrics = new NodeMetrics();
        var router = Sys.ActorOf(RouterActor.Props(queue, metrics, 16, DefaultPipeline.Settings.MaxBackpressure));
        var all = CreateTestProbe();
        var mail = CreateTestProbe();
        router.Tell(new Subscribe("all", all, FilterSpec.All, Credit));
        router.Tell(new Subscribe("mail", mail, new FilterSpec { Select = "mail.*" }, Credit));
        ExpectMsg<Subscribed>();
        ExpectMsg<Subscribed>();

        queue.TryEnqueue(Message("a"));
        queue.TryEnqueue(Message("b", Facility.Mail));

        var seen = new List<string>();
        while (seen.Count < 2)
        {
            seen.AddRange(all.ExpectMsg<MessageBatch>().Messages.Select(m => m.Message));
            all.Reply(BatchDone.Instance);
        }

        Assert.Equal(["a", "b"], seen);
        Assert.Equal("b", Assert.Single(mail.ExpectMsg<MessageBatch>().Messages).Message);
    }

    [Fact]
    public void A_successor_under_the_same_name_takes_over_and_its_predecessor_keeps_its_batch_until_it_acknowledges_it()
    {
        var queue = new IngestQueue(100);
        var metrics = new NodeMetrics();
        var router = Sys.ActorOf(RouterActor.Props(queue, metrics, 16, DefaultPipeline.Settings.MaxBackpressure));
        var old = CreateTestProbe();
        var successor = CreateTestProbe();
        router.Tell(new Subscribe("sink:x", old, FilterSpec.All, Credit));
        ExpectMsg<Subscribed>();
        queue.TryEnqueue(Message("before"));
        Assert.Equal("before", Assert.Single(old.ExpectMsg<MessageBatch>().Messages).Message);

        router.Tell(new Subscribe("sink:x", successor, FilterSpec.All, Credit));
        ExpectMsg<Subscribed>();
        router.Tell(new Unsubscribe(old));
        queue.TryEnqueue(Message("after"));

        Assert.Equal("after", Assert.Single(successor.ExpectMsg<MessageBatch>().Messages).Message);
        successor.Reply(BatchDone.Instance);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        old.Reply(BatchDone.Instance);
        Assert.Equal(old.Ref, ExpectMsg<Unsubscribed>().Consumer);
        old.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var counters = metrics.Consumer("sink:x");
        AwaitAssert(() => Assert.Equal((2L, 0L, 0L), (counters.Delivered, counters.InFlight, counters.Dropped)));
    }

    [Fact]
    public void A_consumer_that_never_acknowledges_costs_counted_drops_and_others_keep_receiving()
    {
        var queue = new IngestQueue(10_000);
        var metrics = new NodeMetrics();
        var router = Sys.ActorOf(RouterActor.Props(queue, metrics, 10, DefaultPipeline.Settings.MaxBackpressure));
        var stuck = CreateTestProbe();
        var healthy = CreateTestProbe();
        router.Tell(new Subscribe("stuck", stuck, FilterSpec.All, MaxMessagesInFlight: 20));
        router.Tell(new Subscribe("healthy", healthy, FilterSpec.All, MaxMessagesInFlight: 10_000));
        ExpectMsg<Subscribed>();
        ExpectMsg<Subscribed>();

        for (var i = 0; i < 1000; i++)
        {
            Assert.True(queue.TryEnqueue(Message($"m{i}")));
        }

        var received = 0;
        while (received < 1000)
        {
            received += healthy.ExpectMsg<MessageBatch>().Messages.Count;
            healthy.Reply(BatchDone.Instance);
        }

        var stuckCounters = metrics.Consumer("stuck");
        AwaitAssert(() => Assert.Equal(1000, stuckCounters.Delivered + stuckCounters.InFlight + stuckCounters.Dropped));
        Assert.Equal(0, stuckCounters.Delivered);
        Assert.True(stuckCounters.InFlight <= 20, $"stuck consumer was handed {stuckCounters.InFlight} messages");
        Assert.Equal(stuckCounters.Dropped, stuckCounters.DroppedFor(DropReason.Lagging));
        Assert.Equal(0, metrics.Consumer("healthy").Dropped);
    }

    [Fact]
    public void Drain_answers_once_the_closed_queue_is_empty_and_every_batch_is_acknowledged()
    {
        var queue = new IngestQueue(100);
        var metrics = new NodeMetrics();
        var router = Sys.ActorOf(RouterActor.Props(queue, metrics, 100, DefaultPipeline.Settings.MaxBackpressure));
        var sink = CreateTestProbe();
        router.Tell(new Subscribe("sink", sink, FilterSpec.All, Credit));
        ExpectMsg<Subscribed>();
        queue.TryEnqueue(Message("last words"));
        queue.Close();

        router.Tell(new Drain(TimeSpan.FromSeconds(10)));
        Assert.Equal("last words", sink.ExpectMsg<MessageBatch>().Messages[0].Message);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        sink.Reply(BatchDone.Instance);
        Assert.Equal(0, ExpectMsg<Drained>().Dropped);
    }
}
