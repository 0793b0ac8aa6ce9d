using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Syslogintr.Http;

/// <summary>
/// One node's instruments, read by OpenTelemetry for its Prometheus exporter: the counters the node keeps anyway,
/// observed at each scrape, not a second set.
/// </summary>
internal static class NodeMeterProvider
{
    /// <summary>
    /// Seconds, for the latency histograms (a rule's <c>log()</c>, a ban's propagation): OpenTelemetry's default
    /// buckets (0, 5, 10, 25 … 10000) are milliseconds and would put every call in the first one.
    /// </summary>
    private static readonly double[] SecondsBuckets =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>
    /// OpenTelemetry finds meters by name, process-wide, and every node's meter is named
    /// <see cref="Metrics.NodeMetrics.MeterName"/> (tests run several nodes in one process): a view drops every
    /// instrument that is not of this node's own <paramref name="meter"/>.
    /// </summary>
    public static MeterProvider Create(Meter meter) =>
        Sdk.CreateMeterProviderBuilder()
            .AddMeter(meter.Name)
            .AddView(instrument => !ReferenceEquals(instrument.Meter, meter)
                ? MetricStreamConfiguration.Drop
                : instrument is Histogram<double> && instrument.Unit == "s"
                    ? new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets }
                    : null)
            .AddPrometheusExporter(o =>
            {
                // Each scrape reads the counters afresh: a cached answer would show a test (or an operator who
                // just sent a message) numbers from before.
                o.ScrapeResponseCacheDurationMilliseconds = 0;
            })
            .Build();
}
