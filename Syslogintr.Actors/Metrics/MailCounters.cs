using System.Diagnostics.Metrics;

namespace Syslogintr.Metrics;

/// <summary>Counters of the mailer: written by it, read by anyone.</summary>
public sealed class MailCounters
{
    private long sent;
    private long failed;
    private long rejected;
    private long queued;

    /// <summary>Mails a server (or the sendmail program) accepted.</summary>
    public long Sent => Volatile.Read(ref sent);

    /// <summary>Attempts that failed and will be retried (timeout, connection refused, 4xx).</summary>
    public long Failed => Volatile.Read(ref failed);

    /// <summary>Mails refused for good (5xx, unknown recipient): moved aside, never retried.</summary>
    public long Rejected => Volatile.Read(ref rejected);

    /// <summary>Mails waiting to be sent now (the outbox); 0 on a node without a mailer.</summary>
    public long Queued => Volatile.Read(ref queued);

    public void OnSent() => Interlocked.Increment(ref sent);

    public void OnFailed() => Interlocked.Increment(ref failed);

    public void OnRejected() => Interlocked.Increment(ref rejected);

    public void SetQueued(int count) => Volatile.Write(ref queued, count);

    /// <summary>Publishes <c>syslogintr.mail.sent</c>, <c>.failed</c>, <c>.rejected</c> and <c>.queued</c> on <paramref name="meter"/>.</summary>
    public void Observe(Meter meter)
    {
        meter.CreateObservableCounter("syslogintr.mail.sent", () => Sent, "{mail}");
        meter.CreateObservableCounter("syslogintr.mail.failed", () => Failed, "{attempt}");
        meter.CreateObservableCounter("syslogintr.mail.rejected", () => Rejected, "{mail}");
        meter.CreateObservableGauge("syslogintr.mail.queued", () => Queued, "{mail}");
    }
}
