using Akka.Actor;
using Akka.Event;
using Syslogintr.Alerts.Mail;

namespace Syslogintr.Alerts;

/// <summary>
/// Turns <see cref="AlertRaised"/>/<see cref="AlertCleared"/> into few mails: one when a key goes bad, a reminder
/// every <c>repeat</c> while it stays bad, one when it recovers, nothing else. Notices arising within the grouping
/// window go out together; a global limit caps mails per hour, and notices held back wait for the next mail
/// (listed, never dropped). Alerts that nothing clears (rules can only raise) expire when not raised again for
/// <c>resolve-timeout</c>; probe alerts are cleared by their probe. The state is saved after every change so a
/// restart re-sends nothing.
/// </summary>
public sealed class AlertActor : ReceiveActor, IWithTimers
{
    private const string FlushTimer = "flush";
    private readonly AlertSettings settings;
    private readonly TimeProvider clock;
    private readonly IActorRef mailer;
    private readonly string hostName;
    private readonly AlertStateFile stateFile;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Dictionary<string, ActiveAlert> active = new(StringComparer.Ordinal);
    private readonly List<Notice> pending = [];
    private readonly Queue<DateTimeOffset> sent = new();
    private DateTimeOffset? heldSince;

    public AlertActor(AlertSettings settings, TimeProvider clock, IActorRef mailer, string hostName)
    {
        this.settings = settings;
        this.clock = clock;
        this.mailer = mailer;
        this.hostName = hostName;
        stateFile = new AlertStateFile(settings.StateFile);
        Receive<AlertRaised>(OnRaised);
        Receive<AlertCleared>(OnCleared);
        Receive<CheckReminders>(_ => OnCheckReminders());
        Receive<Flush>(_ => OnFlush());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>How often reminders and expiries are due-checked and a rate-limited mail looks again (the wall clock may jump).</summary>
    private TimeSpan Tick
    {
        get
        {
            var shortest = settings.ResolveTimeout > TimeSpan.Zero && settings.ResolveTimeout < settings.Repeat ? settings.ResolveTimeout : settings.Repeat;
            return TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromMinutes(1).Ticks));
        }
    }

    public static Props Props(AlertSettings settings, TimeProvider clock, IActorRef mailer, string hostName) =>
        Akka.Actor.Props.Create(() => new AlertActor(settings, clock, mailer, hostName));

    protected override void PreStart()
    {
        var saved = stateFile.Load(w => log.Warning(w));
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
        if (active.Count > 0 || pending.Count > 0)
        {
            log.Info("alert state restored from {0}: {1} active, {2} pending", stateFile.Path, active.Count, pending.Count);
        }

        Timers.StartPeriodicTimer("reminders", CheckReminders.Instance, Tick);
        ArmFlush();
    }

    private void OnRaised(AlertRaised r)
    {
        if (active.TryGetValue(r.Key, out var known))
        {
            // Still bad: keep the latest text for the reminder, mail nothing now.
            active[r.Key] = known with { Subject = r.Subject, Body = r.Body, Severity = r.Severity, LastRaisedAt = r.At };
            Save();
            return;
        }

        var recovered = pending.FindIndex(n => n.Alert.Key == r.Key && n.Kind is NoticeKind.Recovered or NoticeKind.Expired);
        if (recovered >= 0)
        {
            // Cleared and bad again before the recovery mail left: as if it never cleared.
            active[r.Key] = pending[recovered].Alert with { Subject = r.Subject, Body = r.Body, Severity = r.Severity, LastRaisedAt = r.At };
            pending.RemoveAt(recovered);
            Save();
            return;
        }

        var alert = new ActiveAlert(r.Key, r.Subject, r.Body, r.Severity, r.Source, r.At, null);
        active[r.Key] = alert;
        pending.Add(new Notice(NoticeKind.Raised, alert, r.At));
        Save();
        ArmFlush();
    }

    private void OnCleared(AlertCleared c) => Clear(c.Key, c.At, NoticeKind.Recovered);

    private void Clear(string key, DateTimeOffset at, NoticeKind kind)
    {
        if (!active.Remove(key, out var alert))
        {
            return;
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

        Save();
        ArmFlush();
    }

    private void OnCheckReminders()
    {
        var now = clock.GetUtcNow();
        if (settings.ResolveTimeout > TimeSpan.Zero)
        {
            var expired = active.Values
                .Where(a => !a.Source.StartsWith(AlertSettings.ProbeSourcePrefix, StringComparison.Ordinal) && now - (a.LastRaisedAt ?? a.RaisedAt) >= settings.ResolveTimeout)
                .Select(a => a.Key)
                .ToList();
            foreach (var key in expired)
            {
                Clear(key, now, NoticeKind.Expired);
            }
        }

        var added = false;
        foreach (var a in active.Values)
        {
            if (a.NotifiedAt is { } last && now - last >= settings.Repeat && !pending.Exists(n => n.Alert.Key == a.Key))
            {
                pending.Add(new Notice(NoticeKind.Reminder, a, now));
                added = true;
            }
        }

        if (added)
        {
            Save();
            ArmFlush();
        }
    }

    private void ArmFlush()
    {
        if (pending.Count > 0 && !Timers.IsTimerActive(FlushTimer))
        {
            Timers.StartSingleTimer(FlushTimer, Flush.Instance, settings.GroupWindow);
        }
    }

    private void OnFlush()
    {
        if (pending.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        while (sent.Count > 0 && now - sent.Peek() >= TimeSpan.FromHours(1))
        {
            sent.Dequeue();
        }

        if (sent.Count >= settings.MaxPerHour)
        {
            var wait = sent.Peek() + TimeSpan.FromHours(1) - now;
            Timers.StartSingleTimer(FlushTimer, Flush.Instance, wait < Tick ? wait : Tick);
            if (heldSince is null)
            {
                heldSince = now;
                log.Warning("alert mail held back by the rate limit ({0} per hour): {1} notice(s) wait up to {2}", settings.MaxPerHour, pending.Count, wait);
                Save();
            }

            return;
        }

        var (subject, body) = AlertMail.Compose(hostName, pending, heldSince, settings.MaxPerHour);
        mailer.Tell(new MailRequested(subject, body, now));
        foreach (var n in pending)
        {
            if (n.Kind is NoticeKind.Raised or NoticeKind.Reminder && active.TryGetValue(n.Alert.Key, out var a))
            {
                active[a.Key] = a with { NotifiedAt = now };
            }
        }

        log.Info("alert mail: {0}", subject);
        pending.Clear();
        heldSince = null;
        sent.Enqueue(now);
        Save();
    }

    private void Save()
    {
        try
        {
            stateFile.Save(new AlertSnapshot([.. active.Values], [.. pending], [.. sent], heldSince));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Keep alerting from memory; only a restart would repeat mails.
            log.Error(e, "cannot save alert state to {0}", stateFile.Path);
        }
    }

    private sealed class CheckReminders
    {
        public static readonly CheckReminders Instance = new();
    }

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }
}
