using System.Diagnostics.Metrics;

namespace Syslogintr.Metrics;

/// <summary>
/// Counters of the alert actor (on a cluster, of the alert owner on the node that hosts it): written by it, read by
/// anyone. What it held back is split by why: a raise of an alert that is already active (de-duplicated: no new
/// mail) or notices the hourly limit kept from going out at once (rate-limited: they wait for the next mail).
/// </summary>
public sealed class AlertCounters
{
    private long active;
    private long sent;
    private long duplicates;
    private long rateLimited;

    /// <summary>Alerts bad now; 0 on a node that does not host the alert actor.</summary>
    public long Active => Volatile.Read(ref active);

    /// <summary>Alert mails handed to the mailer (each carries every notice of its grouping window).</summary>
    public long Sent => Volatile.Read(ref sent);

    /// <summary>Raises of an alert that was active already: folded into it, nothing mailed.</summary>
    public long Duplicates => Volatile.Read(ref duplicates);

    /// <summary>Notices held back when the hourly mail limit was reached (counted when the hold begins).</summary>
    public long RateLimited => Volatile.Read(ref rateLimited);

    public void SetActive(int count) => Volatile.Write(ref active, count);

    public void OnSent() => Interlocked.Increment(ref sent);

    public void OnDuplicate() => Interlocked.Increment(ref duplicates);

    public void OnRateLimited(int notices) => Interlocked.Add(ref rateLimited, notices);

    /// <summary>Publishes <c>syslogintr.alert.active</c>, <c>.sent</c> and <c>.held_back</c> (tagged <c>reason</c>: <c>duplicate</c>, <c>rate_limited</c>) on <paramref name="meter"/>.</summary>
    public void Observe(Meter meter)
    {
        meter.CreateObservableGauge("syslogintr.alert.active", () => Active, "{alert}");
        meter.CreateObservableCounter("syslogintr.alert.sent", () => Sent, "{mail}");
        meter.CreateObservableCounter(
            "syslogintr.alert.held_back",
            () => new[]
            {
                new Measurement<long>(Duplicates, new KeyValuePair<string, object?>("reason", "duplicate")),
                new Measurement<long>(RateLimited, new KeyValuePair<string, object?>("reason", "rate_limited")),
            },
            "{notice}");
    }
}
