using Akka.Actor;
using Akka.Event;
using Syslogintr.Alerts.Mail;

namespace Syslogintr.Alerts;

/// <summary>
/// Carries out the decisions of the <see cref="AlertBook"/>: its timers, the mails it hands to the mailer and the
/// state file. The state is saved at once when a mail goes out (so a restart re-sends nothing), otherwise within
/// <see cref="SaveInterval"/> of a change, and at stop: a rule raising the same alert per message costs one fsync
/// a second, not one per message.
/// </summary>
public sealed class AlertActor : ReceiveActor, IWithTimers
{
    /// <summary>Longest a change other than a mail waits to be saved.</summary>
    public static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);

    private const string FlushTimer = "flush";
    private const string SaveTimer = "save";
    private readonly AlertSettings settings;
    private readonly TimeProvider clock;
    private readonly IActorRef mailer;
    private readonly string hostName;
    private readonly AlertStateFile stateFile;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private AlertBook book = null!;
    private bool dirty;

    public AlertActor(AlertSettings settings, TimeProvider clock, IActorRef mailer, string hostName)
    {
        this.settings = settings;
        this.clock = clock;
        this.mailer = mailer;
        this.hostName = hostName;
        stateFile = new AlertStateFile(settings.StateFile);
        Receive<AlertRaised>(r => Apply(book.Raise(r)));
        Receive<AlertCleared>(c => Apply(book.Clear(c)));
        Receive<CheckReminders>(_ => Apply(book.Tick(clock.GetUtcNow())));
        Receive<Flush>(_ => Apply(book.Flush(clock.GetUtcNow())));
        Receive<SaveDue>(_ => Save());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AlertSettings settings, TimeProvider clock, IActorRef mailer, string hostName) =>
        Akka.Actor.Props.Create(() => new AlertActor(settings, clock, mailer, hostName));

    protected override void PreStart()
    {
        book = new AlertBook(settings, hostName, stateFile.Load(w => log.Warning(w)));
        if (book.ActiveCount > 0 || book.PendingCount > 0)
        {
            log.Info("alert state restored from {0}: {1} active, {2} pending", stateFile.Path, book.ActiveCount, book.PendingCount);
        }

        Timers.StartPeriodicTimer("reminders", CheckReminders.Instance, book.TickInterval);
        Apply(book.Started());
    }

    protected override void PostStop() => Save();

    private void Apply(AlertDecision decision)
    {
        if (decision.FlushAfter is { } after && !Timers.IsTimerActive(FlushTimer))
        {
            Timers.StartSingleTimer(FlushTimer, Flush.Instance, after);
        }

        if (decision.HeldBack is { } held)
        {
            log.Warning("alert mail held back by the rate limit ({0} per hour): {1} notice(s) wait up to {2}", settings.MaxPerHour, held.Notices, held.Wait);
        }

        if (!decision.Changed)
        {
            return;
        }

        dirty = true;
        if (decision.Mail is { } mail)
        {
            mailer.Tell(mail);
            log.Info("alert mail: {0}", mail.Subject);
            Save();
        }
        else if (!Timers.IsTimerActive(SaveTimer))
        {
            Timers.StartSingleTimer(SaveTimer, SaveDue.Instance, SaveInterval);
        }
    }

    private void Save()
    {
        if (!dirty)
        {
            return;
        }

        try
        {
            stateFile.Save(book.Snapshot());
            dirty = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Keep alerting from memory and try again at the next change; only a restart would repeat mails.
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

    private sealed class SaveDue
    {
        public static readonly SaveDue Instance = new();
    }
}
