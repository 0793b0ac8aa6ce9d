using Akka.Actor;
using Akka.Event;

namespace Syslogintr.Metrics;

/// <summary>Logs the counters' one-line summary on an interval and once more when the node stops.</summary>
public sealed class MetricsReporterActor : ReceiveActor, IWithTimers
{
    private readonly NodeMetrics metrics;
    private readonly TimeSpan interval;
    private readonly ILoggingAdapter log = Context.GetLogger();

    public MetricsReporterActor(NodeMetrics metrics, TimeSpan interval)
    {
        this.metrics = metrics;
        this.interval = interval;
        Receive<Report>(_ => log.Info("counters: {0}", metrics.Summary()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(NodeMetrics metrics, TimeSpan interval) =>
        Akka.Actor.Props.Create(() => new MetricsReporterActor(metrics, interval));

    protected override void PreStart() => Timers.StartPeriodicTimer("report", Report.Instance, interval);

    /// <summary>A warning when anything was lost: a node logging warnings only (script mode) still reports every loss.</summary>
    protected override void PostStop()
    {
        if (metrics.LostAny)
        {
            log.Warning("counters at stop: {0}", metrics.Summary());
        }
        else
        {
            log.Info("counters at stop: {0}", metrics.Summary());
        }
    }

    private sealed class Report
    {
        public static readonly Report Instance = new();
    }
}
