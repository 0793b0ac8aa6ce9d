using Akka.TestKit.Xunit2;
using Syslogintr.Metrics;

namespace Syslogintr.Tests.Metrics;

/// <summary>
/// The counters at stop are the node's last account: a warning when anything was lost, so a node that logs warnings
/// only (script mode) still reports every loss; an info line otherwise.
/// </summary>
public sealed class MetricsReporterTests : TestKit
{
    [Fact]
    public void A_loss_makes_the_counters_at_stop_a_warning()
    {
        using var metrics = new NodeMetrics();
        metrics.Listener("udp").OnMessage();
        metrics.Listener("udp").OnDropped();
        var reporter = Sys.ActorOf(MetricsReporterActor.Props(metrics, TimeSpan.FromHours(1)));

        EventFilter.Warning(contains: "counters at stop: udp: received=1").ExpectOne(() => Sys.Stop(reporter));
    }

    [Fact]
    public void Without_a_loss_the_counters_at_stop_are_information()
    {
        using var metrics = new NodeMetrics();
        metrics.Listener("udp").OnMessage();
        var reporter = Sys.ActorOf(MetricsReporterActor.Props(metrics, TimeSpan.FromHours(1)));

        EventFilter.Info(contains: "counters at stop: udp: received=1").ExpectOne(() => Sys.Stop(reporter));
    }
}
