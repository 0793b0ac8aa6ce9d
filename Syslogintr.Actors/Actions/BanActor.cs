using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Syslogintr.Metrics;

namespace Syslogintr.Actions;

/// <summary>
/// Carries out the decisions of the <see cref="BanList"/>: firewall commands (run by a child <see cref="ExecActor"/>,
/// one at a time so a ban and its unban keep their order), one timer at the earliest expiry, counters, and the
/// state file, saved shortly after every change and at stop. At start, live bans are re-applied and those that
/// expired meanwhile lifted.
/// In a cluster it also keeps this node's firewall in step with the cluster's replicated ban list
/// (<see cref="ReplicatedBans"/>): a ban decided here is applied at once and written to it; every change of it is
/// merged into the local list (<see cref="BanList.Merge"/>), which applies what peers decided with this node's own
/// backend; expired entries are removed from it. A ban decided here is also pushed straight to the other members'
/// ban actors (<see cref="BansDecided"/>), so peers apply it within one remoting hop while replicated data gossips and
/// notifies at its relaxed pace; whichever copy comes second finds the ban held and changes nothing. At start the state file's live bans go into it too, so the list
/// survives a restart of the whole cluster.
/// </summary>
public sealed class BanActor : ReceiveActor, IWithTimers
{
    /// <summary>Under /user on every node: where peers push the bans they decide.</summary>
    public const string Name = "ban";

    private const string ExpiryTimer = "expiry";
    private const string PersistTimer = "persist";

    private readonly BanSettings settings;
    private readonly BanCounters counters;
    private readonly ActionCounters execCounters;
    private readonly TimeProvider clock;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly BanList bans;
    private readonly bool replicated;
    private IActorRef exec = ActorRefs.Nobody;
    private bool dirty;
    private IActorRef replicator = ActorRefs.Nobody;
    private Akka.Cluster.Cluster? cluster;
    private UniqueAddress? self;
    private IReadOnlyCollection<BanEntry> replicatedBans = [];

    /// <param name="execCounters">Counters of the child that runs the firewall commands (<c>ban.exec.*</c>).</param>
    /// <param name="replicated">True in a cluster: share the ban list through Distributed Data.</param>
    public BanActor(BanSettings settings, BanCounters counters, ActionCounters execCounters, TimeProvider clock, bool replicated)
    {
        this.settings = settings;
        this.counters = counters;
        this.execCounters = execCounters;
        this.clock = clock;
        this.replicated = replicated;
        bans = new BanList(settings);
        Receive<BanRequested>(OnRequested);
        Receive<ExpiryDue>(_ =>
        {
            Apply(bans.Expire(clock.GetUtcNow()));
            RemoveExpired();
        });
        Receive<PersistDue>(_ => Persist());
        Receive<GetBans>(_ => Sender.Tell(new BansHeld(bans.Records())));
        Receive<ProcessExited>(OnCommandExited);
        Receive<Changed>(changed => changed.Key.Equals(ReplicatedBans.Key), OnReplicatedChanged);
        Receive<BansDecided>(decided => Apply(bans.Merge(decided.Entries, clock.GetUtcNow())));
        Receive<UpdateSuccess>(_ => { });
        Receive<UpdateTimeout>(timeout =>
        {
            counters.OnReplicationTimeout();
            log.Warning("ban of {0} not acknowledged by the other nodes within {1}; it spreads by gossip", timeout.Request, settings.Replication.WriteTimeout);
        });
        Receive<ModifyFailure>(failure => log.Error(failure.Cause, "replicated ban list: update {0} failed", failure.Request));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private string DryRun => settings.Backend is FirewallBackend.DryRun ? "dry run, would " : "";

    public static Props Props(BanSettings settings, BanCounters counters, ActionCounters execCounters, TimeProvider clock, bool replicated = false) =>
        Akka.Actor.Props.Create(() => new BanActor(settings, counters, execCounters, clock, replicated)).WithDispatcher(ActionsHosting.DispatcherId);

    protected override void PreStart()
    {
        exec = Context.ActorOf(ExecActor.Props(new ExecSettings(1, settings.MaxBans * 2, settings.CommandTimeout, 2048), execCounters, "ban.exec"), "firewall-exec");
        foreach (var argv in settings.Backend.Startup())
        {
            Run(argv, FirewallStep.Startup, "");
        }

        Restore();
        if (replicated)
        {
            cluster = Akka.Cluster.Cluster.Get(Context.System);
            self = cluster.SelfUniqueAddress;
            replicator = DistributedData.Get(Context.System).Replicator;
            replicator.Tell(Dsl.Subscribe(ReplicatedBans.Key, Self));

            // The state file's live bans, re-applied above, go into the cluster's list: after a restart of every node
            // the list is whole again, and a node that lost its file learns them from the others.
            var now = clock.GetUtcNow();
            Replicate([.. bans.Records().Select(r => new BanEntry(r.Address, r.Until, r.Reason, r.Rule, NodeName, now))], WriteLocal.Instance);
        }
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
            counters.OnStateError();
            log.Error(e, "ban list {0} unreadable; starting with no bans", settings.StateFile);
            return;
        }

        var decisions = bans.Restore(stored, clock.GetUtcNow());
        Apply(decisions);
        log.Info(
            "ban list {0}: {1} bans restored, {2} expired while stopped (backend {3})",
            settings.StateFile,
            decisions.Count(d => d is BanImposed),
            decisions.Count(d => d is BanLifted),
            settings.Backend.Name);
    }

    private string NodeName => self is null ? "local" : $"{self.Address.Host}:{self.Address.Port}";

    private void OnRequested(BanRequested request)
    {
        var now = clock.GetUtcNow();
        var decisions = bans.Request(request, now);
        Apply(decisions);
        if (replicated)
        {
            IReadOnlyList<BanEntry> entries = [.. decisions.OfType<BanImposed>().Select(i => new BanEntry(i.Target.Text, now + i.Duration, i.Reason, i.Rule, NodeName, now))];
            Replicate(entries, settings.Replication.Consistency);
            Push(entries);
        }
    }

    /// <summary>
    /// Best effort: to the members that are up and reachable now. A push that is lost (a node joining, a link that
    /// drops it) leaves that node to the replicated list, as before there was a push.
    /// </summary>
    private void Push(IReadOnlyList<BanEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var state = cluster!.State;
        var decided = new BansDecided(entries);
        foreach (var member in state.Members)
        {
            if ((member.Status is MemberStatus.Up or MemberStatus.WeaklyUp) && !member.UniqueAddress.Equals(self) && !state.Unreachable.Contains(member))
            {
                Context.ActorSelection(new RootActorPath(member.Address) / "user" / Name).Tell(decided);
            }
        }
    }

    private void OnReplicatedChanged(Changed changed)
    {
        replicatedBans = [.. changed.Get(ReplicatedBans.Key).Values];
        Apply(bans.Merge(replicatedBans, clock.GetUtcNow()));
        RemoveExpired();
    }

    private void Replicate(IReadOnlyList<BanEntry> entries, IWriteConsistency consistency)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var node = self!;
        var what = string.Join(", ", entries.Select(e => e.Target).Take(3)) + (entries.Count > 3 ? $" and {entries.Count - 3} more" : "");
        replicator.Tell(Dsl.Update(ReplicatedBans.Key, LWWDictionary<string, BanEntry>.Empty, consistency, what, bans => ReplicatedBans.Upsert(bans, node, entries)));
    }

    /// <summary>Every node removes what it sees expire (see <see cref="ReplicatedBans.RemoveExpired"/>); local write: each does it, nobody waits for it.</summary>
    private void RemoveExpired()
    {
        var now = clock.GetUtcNow();
        if (replicated && ReplicatedBans.HasExpired(replicatedBans, now))
        {
            var node = self!;
            replicator.Tell(Dsl.Update(ReplicatedBans.Key, LWWDictionary<string, BanEntry>.Empty, WriteLocal.Instance, "expired", bans => ReplicatedBans.RemoveExpired(bans, node, now)));
        }
    }

    private void Apply(IReadOnlyList<BanDecision> decisions)
    {
        var changed = false;
        foreach (var decision in decisions)
        {
            changed |= Apply(decision);
        }

        if (changed)
        {
            counters.SetActive(bans.Count);
            ScheduleExpiry();
            SchedulePersist();
        }
    }

    /// <summary>Carries out one decision; true when the list changed.</summary>
    private bool Apply(BanDecision decision)
    {
        switch (decision)
        {
            case BanRefused refused:
                counters.OnRefused();
                log.Warning("ban of '{0}' from rule {1} refused: {2}", Printable(refused.Address), refused.Rule, refused.Why);
                return false;
            case BanAlreadyHeld held:
                counters.OnDuplicate();
                log.Debug("{0} is already banned; request from rule {1} ignored", held.Target.Text, held.Rule);
                return false;
            case BanRecordInvalid invalid:
                log.Warning("ban list {0}: ignoring invalid address '{1}'", settings.StateFile, invalid.Address);
                return true;
            case BanImposed { Restored: true } restored:
                RunAll(settings.Backend.Ban(restored.Target, restored.Duration), FirewallStep.Restore, restored.Target);
                return true;
            case BanImposed imposed:
                counters.OnBanned();
                log.Info("{0}ban {1} for {2} s: {3} (rule {4})", DryRun, imposed.Target.Text, (long)imposed.Duration.TotalSeconds, imposed.Reason, imposed.Rule);
                RunAll(settings.Backend.Ban(imposed.Target, imposed.Duration), FirewallStep.Ban, imposed.Target);
                return true;
            case BanLearned learned:
                counters.OnLearned(clock.GetUtcNow() - learned.Entry.DecidedAt);
                log.Info(
                    "{0}ban {1} for {2} s: {3} (rule {4} on {5})",
                    DryRun,
                    learned.Target.Text,
                    (long)learned.Duration.TotalSeconds,
                    learned.Entry.Reason,
                    learned.Entry.Rule,
                    learned.Entry.DecidedBy);
                RunAll(settings.Backend.Ban(learned.Target, learned.Duration), FirewallStep.Ban, learned.Target);
                return true;
            case BanExtended extended:
                log.Info("{0}extend ban of {1} to {2} s from now (rule {3} on {4})", DryRun, extended.Target.Text, (long)extended.Remaining.TotalSeconds, extended.Entry.Rule, extended.Entry.DecidedBy);
                RunAll(settings.Backend.Extend(extended.Target, extended.Remaining), FirewallStep.Ban, extended.Target);
                return true;
            case BanLifted { Why: LiftReason.Stale } stale:
                RunAll(settings.Backend.LiftStale(stale.Target), FirewallStep.LiftStale, stale.Target);
                return true;
            case BanLifted lifted:
                Lift(lifted);
                return true;
            default:
                throw new InvalidOperationException($"unknown ban decision {decision}");
        }
    }

    private void Lift(BanLifted lifted)
    {
        counters.OnLifted();
        if (lifted.Why == LiftReason.Evicted)
        {
            counters.OnEvicted();
            log.Warning("ban list full ({0}): lifting the ban of {1} early to make room", settings.MaxBans, lifted.Target.Text);
        }

        log.Info("{0}lift ban of {1} ({2})", DryRun, lifted.Target.Text, lifted.Why == LiftReason.Evicted ? "evict" : "expire");
        if (lifted.Why == LiftReason.Evicted)
        {
            RunAll(settings.Backend.Unban(lifted.Target), FirewallStep.Evict, lifted.Target);
        }
        else if (!settings.Backend.ExpiresItself)
        {
            RunAll(settings.Backend.Unban(lifted.Target), FirewallStep.Unban, lifted.Target);
        }
    }

    /// <summary>One timer, at the earliest expiry: cheaper than a timer per ban when thousands are held.</summary>
    private void ScheduleExpiry()
    {
        if (bans.NextExpiry is not { } next)
        {
            Timers.Cancel(ExpiryTimer);
            return;
        }

        var delay = next - clock.GetUtcNow();
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
            BanStateFile.Save(settings.StateFile, bans.Records());
            dirty = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            counters.OnStateError();
            log.Error(e, "could not save the ban list to {0}", settings.StateFile);
        }
    }

    private void RunAll(IEnumerable<IReadOnlyList<string>> commands, FirewallStep step, BanTarget target)
    {
        foreach (var argv in commands)
        {
            Run(argv, step, target.Text);
        }
    }

    private void Run(IReadOnlyList<string> argv, FirewallStep step, string address) =>
        exec.Tell(new ProcessRunRequested(argv, settings.CommandTimeout, "ban", new Command(step, address)));

    private void OnCommandExited(ProcessExited exited)
    {
        if (exited.Correlation is Command command && !exited.Succeeded)
        {
            // The exec actor has logged the details; count by what we were trying to do.
            counters.OnCommandFailed(command.Step);
        }
    }

    /// <summary>Attacker text goes to our log only cut short and without control characters.</summary>
    private static string Printable(string text) =>
        new(text.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private sealed record Command(FirewallStep Step, string Address);

    private sealed class ExpiryDue
    {
        public static readonly ExpiryDue Instance = new();
    }

    private sealed class PersistDue
    {
        public static readonly PersistDue Instance = new();
    }
}
