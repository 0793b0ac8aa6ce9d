using Akka.Actor;
using Akka.Event;
using Syslogintr.Alerts.Mail;
using Syslogintr.Alerts.Replication;
using Syslogintr.Metrics;

namespace Syslogintr.Alerts;

/// <summary>
/// Carries out the decisions of the <see cref="AlertBook"/>: its timers, the mails it hands to the mailer and its
/// <see cref="IAlertStore"/>. It loads the store before it handles anything (stashing what arrives meanwhile) and
/// hands the mails left unsent to the mailer. A mail is saved in the store before the mailer gets it, and the
/// mailer's <see cref="MailDone"/> is saved too, so a restart (or, in a cluster, the next owner) neither loses nor
/// repeats one. Every change to what will be mailed is saved at once; a re-raise of an alert already known (a rule
/// raising per message) only within <see cref="SaveInterval"/>: one write a second, not one per message.
/// </summary>
public sealed class AlertActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    /// <summary>Longest a change other than a mail waits to be saved.</summary>
    public static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);

    private const string FlushTimer = "flush";
    private const string RemindersTimer = "reminders";
    private const string SaveTimer = "save";
    private AlertSettings settings;
    private readonly TimeProvider clock;
    private readonly Func<IUntypedActorContext, IActorRef> startMailer;
    private readonly string hostName;
    private readonly IAlertStore store;
    private readonly AlertCounters counters;
    private readonly ILoggingAdapter log = Context.GetLogger();

    /// <summary>Mails decided on and not yet done, oldest first; those <see cref="handedOver"/> are with the mailer.</summary>
    private readonly List<MailRequested> unsent = [];
    private readonly HashSet<string> handedOver = [];
    private IActorRef mailer = ActorRefs.Nobody;
    private AlertBook book = null!;
    private bool dirty;
    private bool saving;

    public AlertActor(AlertSettings settings, TimeProvider clock, Func<IUntypedActorContext, IActorRef> startMailer, string hostName, IAlertStore? store, AlertCounters counters)
    {
        this.counters = counters;
        this.settings = settings;
        this.clock = clock;
        this.startMailer = startMailer;
        this.hostName = hostName;
        this.store = store ?? new AlertStateFileStore(settings.StateFile, (e, message) => log.Error(e, message));
        Receive<Loaded>(OnLoaded);
        ReceiveAny(_ => Stash.Stash());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    /// <summary>A single node: the state file, and a mailer that is not this actor's child.</summary>
    public static Props Props(AlertSettings settings, TimeProvider clock, IActorRef mailer, string hostName, AlertCounters counters) =>
        Akka.Actor.Props.Create(() => new AlertActor(settings, clock, _ => mailer, hostName, null, counters));

    /// <summary>The alert owner of a cluster: the replicated store, and its mailer as a child, so both move together.</summary>
    public static Props Props(AlertSettings settings, TimeProvider clock, Props mailer, string hostName, IAlertStore store, AlertCounters counters) =>
        Akka.Actor.Props.Create(() => new AlertActor(settings, clock, context => context.ActorOf(mailer, "mailer"), hostName, store, counters));

    protected override void PreStart()
    {
        mailer = startMailer(Context);
        var loading = store.LoadAsync(w => log.Warning(w));
        if (loading.IsCompletedSuccessfully)
        {
            // The file store: at once, so the first input already finds the book.
            OnLoaded(new Loaded(loading.Result));
        }
        else
        {
            loading.PipeTo(Self, success: r => new Loaded(r), failure: e => new Loaded(null, e));
        }
    }

    protected override void PostStop()
    {
        // In a cluster the owner may move: the node it leaves has no active alerts to report.
        counters.SetActive(0);
        // Best effort: a file store saves now; a replicated one has had every change that matters already.
        if (dirty && book is not null)
        {
            store.SaveAsync(Record());
        }
    }

    private void OnLoaded(Loaded loaded)
    {
        if (loaded.Record is not { } record)
        {
            // The store has already fallen back to whatever it could read; a failure here is a bug, and a restart retries.
            throw new InvalidOperationException($"cannot load the alert state from {store.Name}", loaded.Error);
        }

        book = new AlertBook(settings, hostName, record.Book);
        unsent.AddRange(record.Unsent);
        if (book.ActiveCount > 0 || book.PendingCount > 0 || unsent.Count > 0)
        {
            log.Info("alert state restored from {0}: {1} active, {2} pending, {3} unsent mail(s)", store.Name, book.ActiveCount, book.PendingCount, unsent.Count);
        }

        counters.SetActive(book.ActiveCount);
        Become(Running);
        Stash.UnstashAll();
        HandOver(unsent);
        Apply(book.Started());
    }

    private void Running()
    {
        Receive<AlertSettingsChanged>(OnSettingsChanged);
        Receive<AlertRaised>(r => Apply(Raise(r)));
        Receive<AlertCleared>(c => Apply(book.Clear(c)));
        Receive<AlertForwarded>(OnForwarded);
        Receive<CheckReminders>(_ => Apply(book.Tick(clock.GetUtcNow())));
        Receive<Flush>(_ => Apply(book.Flush(clock.GetUtcNow())));
        Receive<SaveDue>(_ => Save());
        Receive<Saved>(OnSaved);
        Receive<MailDone>(OnMailDone);
        Receive<GetAlerts>(_ =>
        {
            var snapshot = book.Snapshot();
            Sender.Tell(new AlertsReport(snapshot.Active, snapshot.Pending.Count, [.. unsent.Select(m => m.Subject)]));
        });
    }

    private void OnForwarded(AlertForwarded forwarded)
    {
        switch (forwarded.Alert)
        {
            case AlertRaised r:
                Apply(Raise(r));
                break;
            case AlertCleared c:
                Apply(book.Clear(c));
                break;
        }

        Sender.Tell(new AlertReceived(forwarded.Seq));
    }

    private AlertDecision Raise(AlertRaised raised)
    {
        if (book.IsActive(raised.Key))
        {
            counters.OnDuplicate();
        }

        return book.Raise(raised);
    }

    private void Apply(AlertDecision decision)
    {
        counters.SetActive(book.ActiveCount);
        KeepRemindersWhileActive();
        if (decision.FlushAfter is { } after && !Timers.IsTimerActive(FlushTimer))
        {
            Timers.StartSingleTimer(FlushTimer, Flush.Instance, after);
        }

        if (decision.HeldBack is { } held)
        {
            counters.OnRateLimited(held.Notices);
            log.Warning("alert mail held back by the rate limit ({0} per hour): {1} notice(s) wait up to {2}", settings.MaxPerHour, held.Notices, held.Wait);
        }

        if (!decision.Changed)
        {
            return;
        }

        dirty = true;
        if (decision.Mail is { } mail)
        {
            unsent.Add(mail with { Id = Guid.NewGuid().ToString("N") });
            counters.OnSent();
            log.Info("alert mail: {0}", mail.Subject);
            Save();
        }
        else if (decision.FlushAfter is not null)
        {
            // The pending group changed: a new owner must find it.
            Save();
        }
        else if (!Timers.IsTimerActive(SaveTimer))
        {
            Timers.StartSingleTimer(SaveTimer, SaveDue.Instance, SaveInterval);
        }
    }

    private void OnMailDone(MailDone done)
    {
        if (unsent.RemoveAll(m => m.Id == done.Id) > 0)
        {
            handedOver.Remove(done.Id);
            dirty = true;
            Save();
        }
    }

    /// <summary>One save at a time, in order; changes made meanwhile go into the next one.</summary>
    private void Save()
    {
        if (!dirty || saving)
        {
            return;
        }

        dirty = false;
        saving = true;
        var record = Record();
        var task = store.SaveAsync(record);
        if (task.IsCompleted)
        {
            OnSaved(new Saved(record, task.Exception?.GetBaseException()));
        }
        else
        {
            task.ContinueWith(t => new Saved(record, t.Exception?.GetBaseException()), TaskScheduler.Default).PipeTo(Self);
        }
    }

    private void OnSaved(Saved saved)
    {
        saving = false;
        if (saved.Error is not null)
        {
            // Mails wait: none is attempted before its store has it.
            log.Error(saved.Error, "alert state not saved to {0}; retrying in {1}", store.Name, SaveInterval);
            dirty = true;
            Timers.StartSingleTimer(SaveTimer, SaveDue.Instance, SaveInterval);
            return;
        }

        HandOver(saved.Record.Unsent);
        Save();
    }

    private void HandOver(IEnumerable<MailRequested> saved)
    {
        foreach (var mail in saved)
        {
            if (unsent.Contains(mail) && handedOver.Add(mail.Id!))
            {
                mailer.Tell(mail);
            }
        }
    }

    private AlertRecord Record() => new(book.Snapshot(), [.. unsent]);

    private sealed record Loaded(AlertRecord? Record, Exception? Error = null);

    private sealed record Saved(AlertRecord Record, Exception? Error);

    /// <summary>A reload: the same alerts, pending notices and hour's mail count, under the new settings (the state file stays where it was).</summary>
    private void OnSettingsChanged(AlertSettingsChanged changed)
    {
        settings = changed.Settings with { StateFile = settings.StateFile };
        book = new AlertBook(settings, hostName, book.Snapshot());
        Timers.Cancel(RemindersTimer);
        KeepRemindersWhileActive();
    }

    /// <summary>Reminders and resolve timeouts concern active alerts only: with none, no timer runs (an idle node wakes for nothing).</summary>
    private void KeepRemindersWhileActive()
    {
        if (book.ActiveCount == 0)
        {
            Timers.Cancel(RemindersTimer);
        }
        else if (!Timers.IsTimerActive(RemindersTimer))
        {
            Timers.StartPeriodicTimer(RemindersTimer, CheckReminders.Instance, book.TickInterval);
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

    private sealed class SaveDue
    {
        public static readonly SaveDue Instance = new();
    }
}
