using Akka.Actor;
using Akka.Event;

namespace Syslogintr.Actions;

/// <summary>
/// Owns the ban list. A <see cref="BanRequested"/> with a valid address that is not already banned becomes
/// firewall commands (run by a child <see cref="ExecActor"/>, one at a time so a ban and its unban keep their order),
/// an entry in the list, and an unban when its time is up. The list is saved to the state file shortly after every
/// change and at stop; at start, live bans are re-applied and those that expired meanwhile lifted.
/// </summary>
public sealed class BanActor : ReceiveActor, IWithTimers
{
    private const string ExpiryTimer = "expiry";
    private const string PersistTimer = "persist";

    private readonly BanSettings settings;
    private readonly ActionCounters counters;
    private readonly TimeProvider clock;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Dictionary<string, Ban> bans = new(StringComparer.Ordinal);
    private IActorRef exec = ActorRefs.Nobody;
    private bool dirty;

    public BanActor(BanSettings settings, ActionCounters counters, TimeProvider clock)
    {
        this.settings = settings;
        this.counters = counters;
        this.clock = clock;
        Receive<BanRequested>(OnBanRequested);
        Receive<ExpiryDue>(_ => LiftExpired());
        Receive<PersistDue>(_ => Persist());
        Receive<ProcessExited>(OnCommandExited);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(BanSettings settings, ActionCounters counters, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new BanActor(settings, counters, clock)).WithDispatcher(ActionsHosting.DispatcherId);

    protected override void PreStart()
    {
        exec = Context.ActorOf(ExecActor.Props(new ExecSettings(1, settings.MaxBans * 2, settings.CommandTimeout, 2048), counters, "ban.exec"), "firewall-exec");
        foreach (var argv in settings.Backend.Startup())
        {
            Run(argv, "startup", "");
        }

        Restore();
    }

    protected override void PostStop() => Persist();

    private void Restore()
    {
        IReadOnlyList<BanRecord> stored;
        try
        {
            stored = BanStateFile.Load(settings.StateFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            counters.Increment("ban.state_errors");
            log.Error(e, "ban list {0} unreadable; starting with no bans", settings.StateFile);
            return;
        }

        var now = clock.GetUtcNow();
        var restored = 0;
        var lifted = 0;
        foreach (var record in stored)
        {
            if (!BanTarget.TryParse(record.Address, out var target))
            {
                log.Warning("ban list {0}: ignoring invalid address '{1}'", settings.StateFile, record.Address);
                continue;
            }

            if (record.Until > now)
            {
                bans[target.Text] = new Ban(target, record.Until, record.Reason, record.Rule);
                foreach (var argv in settings.Backend.Ban(target, record.Until - now))
                {
                    Run(argv, "restore", target.Text);
                }

                restored++;
            }
            else
            {
                foreach (var argv in settings.Backend.LiftStale(target))
                {
                    Run(argv, "lift-stale", target.Text);
                }

                lifted++;
                dirty = true;
            }
        }

        log.Info("ban list {0}: {1} bans restored, {2} expired while stopped (backend {3})", settings.StateFile, restored, lifted, settings.Backend.Name);
        ScheduleExpiry();
        SchedulePersist();
    }

    private void OnBanRequested(BanRequested request)
    {
        if (!BanTarget.TryParse(request.Address, out var target))
        {
            Refuse(request, "not an IPv4 or IPv6 address or network");
            return;
        }

        if (settings.NeverBan.Where(target.Overlaps).Select(n => (System.Net.IPNetwork?)n).FirstOrDefault() is { } protectedNetwork)
        {
            Refuse(request, $"inside never-ban network {protectedNetwork}");
            return;
        }

        if (request.Duration <= TimeSpan.Zero)
        {
            Refuse(request, $"duration {request.Duration} is not positive");
            return;
        }

        if (bans.ContainsKey(target.Text))
        {
            counters.Increment("ban.duplicates");
            log.Debug("{0} is already banned; request from rule {1} ignored", target.Text, request.Rule);
            return;
        }

        if (bans.Count >= settings.MaxBans)
        {
            var soonest = bans.Values.MinBy(b => b.Until)!;
            counters.Increment("ban.evicted");
            log.Warning("ban list full ({0}): lifting the ban of {1} early to make room", settings.MaxBans, soonest.Target.Text);
            Lift(soonest, "evict");
        }

        var duration = request.Duration > settings.MaxDuration ? settings.MaxDuration : request.Duration;
        var ban = new Ban(target, clock.GetUtcNow() + duration, request.Reason, request.Rule);
        bans[target.Text] = ban;
        counters.Increment("ban.banned");
        log.Info("{0}ban {1} for {2} s: {3} (rule {4})", settings.Backend is FirewallBackend.DryRun ? "dry run, would " : "", target.Text, (long)duration.TotalSeconds, request.Reason, request.Rule);
        foreach (var argv in settings.Backend.Ban(target, duration))
        {
            Run(argv, "ban", target.Text);
        }

        ScheduleExpiry();
        SchedulePersist();
    }

    private void Refuse(BanRequested request, string why)
    {
        counters.Increment("ban.refused");
        log.Warning("ban of '{0}' from rule {1} refused: {2}", Printable(request.Address), request.Rule, why);
    }

    private void LiftExpired()
    {
        var now = clock.GetUtcNow();
        foreach (var ban in bans.Values.Where(b => b.Until <= now).ToList())
        {
            Lift(ban, "expire");
        }

        ScheduleExpiry();
        SchedulePersist();
    }

    private void Lift(Ban ban, string why)
    {
        bans.Remove(ban.Target.Text);
        counters.Increment("ban.lifted");
        log.Info("{0}lift ban of {1} ({2})", settings.Backend is FirewallBackend.DryRun ? "dry run, would " : "", ban.Target.Text, why);
        if (why != "expire" || !settings.Backend.ExpiresItself)
        {
            foreach (var argv in settings.Backend.Unban(ban.Target))
            {
                Run(argv, why == "expire" ? "unban" : why, ban.Target.Text);
            }
        }

        dirty = true;
    }

    /// <summary>One timer, at the earliest expiry: cheaper than a timer per ban when thousands are held.</summary>
    private void ScheduleExpiry()
    {
        if (bans.Count == 0)
        {
            Timers.Cancel(ExpiryTimer);
            return;
        }

        var delay = bans.Values.Min(b => b.Until) - clock.GetUtcNow();
        Timers.StartSingleTimer(ExpiryTimer, ExpiryDue.Instance, delay < TimeSpan.Zero ? TimeSpan.Zero : delay + TimeSpan.FromMilliseconds(1));
    }

    private void SchedulePersist()
    {
        dirty = true;
        if (!Timers.IsTimerActive(PersistTimer))
        {
            Timers.StartSingleTimer(PersistTimer, PersistDue.Instance, settings.PersistInterval);
        }
    }

    private void Persist()
    {
        if (!dirty)
        {
            return;
        }

        try
        {
            BanStateFile.Save(settings.StateFile, bans.Values.OrderBy(b => b.Until).Select(b => new BanRecord(b.Target.Text, b.Until, b.Reason, b.Rule)));
            dirty = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            counters.Increment("ban.state_errors");
            log.Error(e, "could not save the ban list to {0}", settings.StateFile);
        }
    }

    private void Run(IReadOnlyList<string> argv, string action, string address) =>
        exec.Tell(new ProcessRunRequested(argv, settings.CommandTimeout, "ban", new Command(action, address)));

    private void OnCommandExited(ProcessExited exited)
    {
        if (exited.Correlation is Command command && !exited.Succeeded)
        {
            // The exec actor has logged the details; count by what we were trying to do.
            counters.Increment($"ban.{command.Action}_failed");
        }
    }

    /// <summary>Attacker text goes to our log only cut short and without control characters.</summary>
    private static string Printable(string text) =>
        new(text.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private sealed record Ban(BanTarget Target, DateTimeOffset Until, string Reason, string Rule);

    private sealed record Command(string Action, string Address);

    private sealed class ExpiryDue
    {
        public static readonly ExpiryDue Instance = new();
    }

    private sealed class PersistDue
    {
        public static readonly PersistDue Instance = new();
    }
}
