using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Syslogintr.Metrics;

/// <summary>Each probe's last result, as gauges: written by the probe scheduler, read by anyone.</summary>
public sealed class ProbeGauges
{
    private readonly ConcurrentDictionary<string, (bool Up, double Seconds)> last = new(StringComparer.Ordinal);

    public void OnResult(string probe, bool up, TimeSpan? duration) => last[probe] = (up, duration?.TotalSeconds ?? 0);

    /// <summary>Publishes <c>syslogintr.probe.up</c> (1 or 0) and <c>syslogintr.probe.duration</c> (s, the last run), tagged <c>probe</c>.</summary>
    public void Observe(Meter meter)
    {
        meter.CreateObservableGauge("syslogintr.probe.up", () => last.Select(p => new Measurement<int>(p.Value.Up ? 1 : 0, Tag(p.Key))), "{bool}");
        meter.CreateObservableGauge("syslogintr.probe.duration", () => last.Select(p => new Measurement<double>(p.Value.Seconds, Tag(p.Key))), "s");
    }

    private static KeyValuePair<string, object?> Tag(string probe) => new("probe", probe);
}
