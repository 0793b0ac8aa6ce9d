using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Hosting;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Node;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;
using Syslogintr.Sinks;
using Syslogintr.Sinks.Formatting;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Sinks;

public sealed class FileSinkActorTests() : TestKit(NodeConfig.Defaults())
{
    private static MessageBatch Batch(params string[] texts) => new(texts.Select(t => new SyslogMessage
    {
        Facility = Facility.User,
        Severity = Severity.Notice,
        ReceivedAt = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero),
        Hostname = "h",
        AppName = "app",
        Message = t,
        Origin = Origin.Internal,
    }).ToList());

    private static FileSinkSettings Settings(string path) =>
        new("test", path, FilterSpec.All, OutputFormat.Traditional, TimeSpan.FromMilliseconds(50), true, 1024 * 1024, OnLag.Backpressure);

    [Fact]
    public void A_full_disk_is_counted_and_retried_and_never_crashes_the_sink()
    {
        var counters = new SinkCounters("full");
        var sink = Sys.ActorOf(FileSinkActor.Props(Settings("/dev/full"), counters));
        Watch(sink);

        sink.Tell(Batch("one", "two"));
        ExpectMsg<BatchDone>();
        AwaitCondition(() => counters.WriteErrors >= 2, TimeSpan.FromSeconds(5));
        sink.Tell(Batch("three"));
        ExpectMsg<BatchDone>();
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    /// <summary>A periodic flush timer woke every idle node once a second per sink; now one runs only while lines wait.</summary>
    [Fact]
    public void A_line_reaches_the_file_within_the_flush_interval_and_an_idle_sink_keeps_no_timer()
    {
        var folder = TempFolder.Create();
        try
        {
            var scheduler = Assert.IsType<DeadlineScheduler>(Sys.Scheduler);
            var path = Path.Combine(folder, "messages");
            var before = scheduler.Pending;
            var sink = Sys.ActorOf(FileSinkActor.Props(Settings(path), new SinkCounters("idle")));
            sink.Tell(Batch("one"));
            ExpectMsg<BatchDone>();

            AwaitCondition(() => File.ReadAllText(path).Contains("one"), TimeSpan.FromSeconds(5));
            AwaitAssert(() => Assert.True(scheduler.Pending <= before, $"{scheduler.Pending - before} more scheduled while idle"), TimeSpan.FromSeconds(2));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public void Hangup_reopens_the_path_so_logrotate_can_move_the_file_away()
    {
        var folder = TempFolder.Create();
        try
        {
            var path = Path.Combine(folder, "messages");
            var sink = Sys.ActorOf(FileSinkActor.Props(Settings(path), new SinkCounters("rotate")));
            sink.Tell(Batch("before rotation"));
            ExpectMsg<BatchDone>();
            AwaitCondition(() => File.Exists(path) && File.ReadAllText(path).Contains("before rotation"), TimeSpan.FromSeconds(5));

            File.Move(path, path + ".1");
            Sys.EventStream.Publish(HangupReceived.Instance);
            sink.Tell(Batch("after rotation"));
            ExpectMsg<BatchDone>();

            AwaitCondition(() => File.Exists(path) && File.ReadAllText(path).Contains("after rotation"), TimeSpan.FromSeconds(5));
            Assert.DoesNotContain("after rotation", File.ReadAllText(path + ".1"));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}
