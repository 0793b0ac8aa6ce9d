using System.Diagnostics;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;

namespace Syslogintr.Tests.Pipeline;

/// <summary>The one way internal messages (rules' syslog(), probe results) enter the pipeline.</summary>
public sealed class MessageInjectorTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly InternalMessages messages = new(TimeProvider.System, "node1");

    [Fact]
    public void An_internal_message_is_stamped_internal_with_the_node_its_injector_and_its_depth()
    {
        var m = messages.Create("rule/x", Facility.Daemon, Severity.Warning, "x", "hello", generation: 2, at: At);

        Assert.Same(Origin.Internal, m.Origin);
        Assert.Equal(("node1", "x", "hello", "rule/x", 2), (m.Hostname, m.AppName, m.Message, m.InjectedBy, m.Generation));
        Assert.Equal((At, At), (m.Timestamp!.Value, m.ReceivedAt));
        Assert.Equal(SyslogFormat.Rfc3164, m.Format);
        Assert.True(m.IsValid);
        Assert.Null(m.ProcId);
        Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), messages.Create("p", Facility.Daemon, Severity.Notice, "p", "t", withProcessId: true).ProcId);
        Assert.False(InternalMessages.BeyondLimit(m, maxGeneration: 2));
        Assert.True(InternalMessages.BeyondLimit(m, maxGeneration: 1));
    }

    [Fact]
    public void A_full_queue_never_makes_the_injector_wait_and_every_message_is_delivered_or_counted_dropped()
    {
        var queue = new IngestQueue(10);
        var rule = new NodeMetrics().Rule("r");
        var injector = new MessageInjector(queue, InjectionCounters.Of(rule));
        const int Sent = 1000;

        var started = Stopwatch.GetTimestamp();
        var accepted = Enumerable.Range(0, Sent).Count(i => injector.Inject(messages.Create("r", Facility.Syslog, Severity.Informational, "r", $"m{i}")));
        var took = Stopwatch.GetElapsedTime(started);

        Assert.True(took < TimeSpan.FromMilliseconds(500), $"injecting into a full queue took {took}");
        Assert.Equal(10, accepted);
        Assert.Equal(Sent, queue.Count + rule.DroppedInjections);
        Assert.Equal(0, rule.RefusedInjections);
        Assert.Equal("m0", queue.Reader.TryRead(out var first) ? first.Message : null);
    }

    [Fact]
    public void A_probe_counts_what_it_logs_as_received_and_what_a_full_queue_loses_as_dropped()
    {
        var queue = new IngestQueue(1);
        var probes = new NodeMetrics().Listener("probes");
        var injector = new MessageInjector(queue, InjectionCounters.Of(probes));

        Assert.True(injector.Inject(messages.Create("probe/a", Facility.Daemon, Severity.Notice, "check/a", "up")));
        Assert.False(injector.Inject(messages.Create("probe/a", Facility.Daemon, Severity.Notice, "check/a", "still up")));

        Assert.Equal((2, "up".Length + "still up".Length, 1), (probes.Received, probes.Bytes, probes.Dropped));
    }

    [Fact]
    public void A_refusal_is_counted_under_injections_refused_and_nothing_is_queued()
    {
        var queue = new IngestQueue(10);
        var rule = new NodeMetrics().Rule("loop");
        var injector = new MessageInjector(queue, InjectionCounters.Of(rule));

        injector.Refuse(messages.Create("loop", Facility.Syslog, Severity.Informational, "loop", "again", generation: 9));

        Assert.Equal((1, 0, 0), (rule.RefusedInjections, rule.DroppedInjections, queue.Count));
        Assert.Contains("injections_refused=1 injections_dropped=0", rule.ToString());
    }
}
