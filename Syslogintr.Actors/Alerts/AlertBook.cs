using Syslogintr.Alerts.Mail;

namespace Syslogintr.Alerts;

/// <summary>
/// What the alert book decided after one input; the actor carries it out.
/// <paramref name="Changed"/>: the state is to be saved. <paramref name="FlushAfter"/>: call
/// <see cref="AlertBook.Flush"/> after this long unless a flush is already scheduled. <paramref name="Mail"/>: hand
/// this mail to the mailer. <paramref name="HeldBack"/>: the rate limit just started holding mail back.
/// </summary>
public sealed record AlertDecision(bool Changed, TimeSpan? FlushAfter = null, MailRequested? Mail = null, AlertsHeldBack? HeldBack = null)
{
    public static readonly AlertDecision Nothing = new(false);
}

/// <summary>The rate limit holds <paramref name="Notices"/> notices back for up to <paramref name="Wait"/>.</summary>
public sealed record AlertsHeldBack(int Notices, TimeSpan Wait);

/// <summary>
/// The alert book: which keys are bad, which notices wait for the next mail, and the mails of the last hour.
/// One mail when a key goes bad, a reminder every <c>repeat</c> while it stays bad, one when it recovers, nothing
/// else; notices within the grouping window go out together; a global limit caps mails per hour, and notices held
/// back wait for the next mail (listed, never dropped). Alerts nothing clears (rules can only raise) expire when
/// not raised again for <c>resolve-timeout</c>; probe alerts are cleared by their probe.
/// Pure and deterministic: time comes in with each input, so every node given the same inputs decides the same.
/// </summary>
public sealed class AlertBook
{
    private readonly AlertSettings settings;
    private readonly string hostName;
    private readonly Dictionary<string, ActiveAlert> active = new(StringComparer.Ordinal);
    private readonly List<Notice> pending = [];
    private readonly Queue<DateTimeOffset> sent = new();
    private DateTimeOffset? heldSince;

    public AlertBook(AlertSettings settings, string hostName, AlertSnapshot saved)
    {
        this.settings = settings;
        this.hostName = hostName;
        foreach (var a in saved.Active)
        {
            active[a.Key] = a;
        }

        pending.AddRange(saved.Pending);
        foreach (var at in saved.MailsSentLastHour.Order())
        {
            sent.Enqueue(at);
        }

        heldSince = saved.HeldSince;
    }

    public int ActiveCount => active.Count;

    public int PendingCount => pending.Count;

    /// <summary>Whether an alert with this key is bad now (a raise of it would be folded into it).</summary>
    public bool IsActive(string key) => active.ContainsKey(key);

    /// <summary>How often <see cref="Tick"/> is due: a quarter of the shortest of repeat and resolve-timeout, within 100 ms..1 min (the wall clock may jump).</summary>
    public TimeSpan TickInterval
    {
        get
        {
            var shortest = settings.ResolveTimeout > TimeSpan.Zero && settings.ResolveTimeout < settings.Repeat ? settings.ResolveTimeout : settings.Repeat;
            return TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromMinutes(1).Ticks));
        }
    }

    /// <summary>At start: notices restored from the saved state are due after the grouping window.</summary>
    public AlertDecision Started() => new(false, FlushWindow());

    public AlertDecision Raise(AlertRaised r)
    {
        if (active.TryGetValue(r.Key, out var known))
        {
            // Still bad: keep the latest text for the reminder, mail nothing now.
            active[r.Key] = known with { Subject = r.Subject, Body = r.Body, Severity = r.Severity, LastRaisedAt = r.At };
            return new(true);
        }

        var recovered = pending.FindIndex(n => n.Alert.Key == r.Key && n.Kind is NoticeKind.Recovered or NoticeKind.Expired);
        if (recovered >= 0)
        {
            // Cleared and bad again before the recovery mail left: as if it never cleared.
            active[r.Key] = pending[recovered].Alert with { Subject = r.Subject, Body = r.Body, Severity = r.Severity, LastRaisedAt = r.At };
            pending.RemoveAt(recovered);
            return new(true);
        }

        var alert = new ActiveAlert(r.Key, r.Subject, r.Body, r.Severity, r.Source, r.At, null);
        active[r.Key] = alert;
        pending.Add(new Notice(NoticeKind.Raised, alert, r.At));
        return new(true, FlushWindow());
    }

    public AlertDecision Clear(AlertCleared c) => Clear(c.Key, c.At, NoticeKind.Recovered) ? new(true, FlushWindow()) : AlertDecision.Nothing;

    /// <summary>Expires rule alerts not raised for resolve-timeout and queues the reminders that are due.</summary>
    public AlertDecision Tick(DateTimeOffset now)
    {
        var changed = false;
        if (settings.ResolveTimeout > TimeSpan.Zero)
        {
            var expired = active.Values
                .Where(a => !a.Source.StartsWith(AlertSettings.ProbeSourcePrefix, StringComparison.Ordinal) && now - (a.LastRaisedAt ?? a.RaisedAt) >= settings.ResolveTimeout)
                .Select(a => a.Key)
                .ToList();
            foreach (var key in expired)
            {
                changed |= Clear(key, now, NoticeKind.Expired);
            }
        }

        foreach (var a in active.Values)
        {
            if (a.NotifiedAt is { } last && now - last >= settings.Repeat && !pending.Exists(n => n.Alert.Key == a.Key))
            {
                pending.Add(new Notice(NoticeKind.Reminder, a, now));
                changed = true;
            }
        }

        return changed ? new(true, FlushWindow()) : AlertDecision.Nothing;
    }

    /// <summary>The grouping window is over: one mail with every pending notice, unless the rate limit holds it back.</summary>
    public AlertDecision Flush(DateTimeOffset now)
    {
        if (pending.Count == 0)
        {
            return AlertDecision.Nothing;
        }

        while (sent.Count > 0 && now - sent.Peek() >= TimeSpan.FromHours(1))
        {
            sent.Dequeue();
        }

        if (sent.Count >= settings.MaxPerHour)
        {
            var wait = sent.Peek() + TimeSpan.FromHours(1) - now;
            var again = wait < TickInterval ? wait : TickInterval;
            if (heldSince is not null)
            {
                return new(false, again);
            }

            heldSince = now;
            return new(true, again, HeldBack: new AlertsHeldBack(pending.Count, wait));
        }

        var (subject, body) = AlertMail.Compose(hostName, pending, heldSince, settings.MaxPerHour);
        foreach (var n in pending)
        {
            if (n.Kind is NoticeKind.Raised or NoticeKind.Reminder && active.TryGetValue(n.Alert.Key, out var a))
            {
                active[a.Key] = a with { NotifiedAt = now };
            }
        }

        pending.Clear();
        heldSince = null;
        sent.Enqueue(now);
        return new(true, Mail: new MailRequested(subject, body, now));
    }

    public AlertSnapshot Snapshot() => new([.. active.Values], [.. pending], [.. sent], heldSince);

    private bool Clear(string key, DateTimeOffset at, NoticeKind kind)
    {
        if (!active.Remove(key, out var alert))
        {
            return false;
        }

        pending.RemoveAll(n => n.Alert.Key == key && n.Kind == NoticeKind.Reminder);
        var raised = pending.FindIndex(n => n.Alert.Key == key && n.Kind == NoticeKind.Raised);
        if (raised >= 0)
        {
            pending[raised] = new Notice(NoticeKind.Flapped, alert, at);
        }
        else
        {
            pending.Add(new Notice(kind, alert, at));
        }

        return true;
    }

    private TimeSpan? FlushWindow() => pending.Count > 0 ? settings.GroupWindow : null;
}
