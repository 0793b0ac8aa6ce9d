using Akka.Actor;
using Akka.Event;
using Syslogintr.Alerts;
using Syslogintr.Hosting;
using Syslogintr.Ingest;
using Syslogintr.Pipeline;
using Syslogintr.Rules;

namespace Syslogintr.Probes;

/// <summary>
/// Fires every configured probe at its interval (plus a little jitter, and once at start unless told otherwise),
/// each run in a fresh <see cref="ProbeRunActor"/>. Every result is logged into the pipeline as a syslog message
/// from <c>check/...</c>, so rules and sinks see it; a change of state raises or clears the probe's alert. A reload
/// hands it the probes as they are now (<see cref="ProbesChanged"/>).
/// </summary>
public sealed class ProbeSchedulerActor : ReceiveActor, IWithTimers
{
    private readonly Dictionary<string, ProbeSettings> probes;
    private readonly NodeServices node;
    private readonly IActorRef alerts;
    private readonly string runDispatcher;
    private readonly ProbeFactory factory;
    private readonly InternalMessages messages;
    private readonly MessageInjector injector;
    private readonly Dictionary<string, bool?> up = [];

    /// <summary>Each probe's run in progress: only its result counts (one a reload made stale is ignored).</summary>
    private readonly Dictionary<string, IActorRef> running = [];

    /// <summary>For the status page: when each probe's current run began, and each probe's last result.</summary>
    private readonly Dictionary<string, DateTimeOffset> startedAt = [];
    private readonly Dictionary<string, ProbeState> last = [];
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly bool takingOver;
    private long runs;

    public ProbeSchedulerActor(IReadOnlyList<ProbeSettings> probes, NodeServices node, ActionTargets actions, IActorRef alerts, string runDispatcher, bool takingOver)
    {
        this.takingOver = takingOver;
        factory = new ProbeFactory(node, actions, log);
        messages = new InternalMessages(node.Clock, node.HostName);
        injector = new MessageInjector(node.Queue, InjectionCounters.Of(node.Metrics.Listener("probes")));
        this.probes = probes.ToDictionary(p => p.Name);
        this.node = node;
        this.alerts = alerts;
        this.runDispatcher = runDispatcher;
        Receive<ProbeDue>(OnDue);
        Receive<ProbesChanged>(OnProbesChanged);
        Receive<ProbeSucceeded>(s => OnResult(s.Probe, true, s.Details, s.At));
        Receive<ProbeFailed>(f => OnResult(f.Probe, false, f.Reason, f.At));
        Receive<GetProbeStates>(_ => Sender.Tell(new ProbeStates(
            [.. this.probes.Keys.Order(StringComparer.Ordinal).Select(n => last.GetValueOrDefault(n) ?? new ProbeState(n, null, null, null, null, "not run yet"))])));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Alert key of a probe: the same across restarts, so persisted alert state matches.</summary>
    public static string AlertKey(string probe) => AlertSettings.ProbeSourcePrefix + probe;

    /// <param name="takingOver">
    /// A cluster's scheduler, which cannot know how long ago its predecessor last ran a probe: every probe runs at
    /// once, whatever <c>run-at-start</c> and <c>jitter</c> say (runs after the first keep their jitter).
    /// </param>
    public static Props Props(IReadOnlyList<ProbeSettings> probes, NodeServices node, ActionTargets actions, IActorRef alerts, string runDispatcher, bool takingOver = false) =>
        Akka.Actor.Props.Create(() => new ProbeSchedulerActor(probes, node, actions, alerts, runDispatcher, takingOver));

    protected override void PreStart()
    {
        foreach (var p in probes.Values)
        {
            Schedule(p, takingOver);
        }
    }

    private void Schedule(ProbeSettings p, bool now)
    {
        var first = now ? TimeSpan.Zero : (p.RunAtStart ? TimeSpan.Zero : p.Every) + Jitter(p);
        Timers.StartSingleTimer(p.Name, new ProbeDue(p.Name), first);
    }

    private void OnProbesChanged(ProbesChanged changed)
    {
        var next = changed.Probes.ToDictionary(p => p.Name);
        foreach (var name in probes.Keys.Where(n => !next.ContainsKey(n)).ToList())
        {
            Timers.Cancel(name);
            StopRun(name);
            probes.Remove(name);
            up.Remove(name);
            last.Remove(name);
        }

        foreach (var p in next.Values.Where(p => !probes.TryGetValue(p.Name, out var was) || was != p))
        {
            // A run with the old settings would hold the new one back (one run at a time) and report for the old target.
            StopRun(p.Name);
            probes[p.Name] = p;
            Schedule(p, now: false);
        }
    }

    /// <summary>Cancels the probe's run in progress, if any (stopping it cancels what it waits on).</summary>
    private void StopRun(string name)
    {
        if (running.Remove(name, out var run))
        {
            Context.Stop(run);
            startedAt.Remove(name);
        }
    }

    private static TimeSpan Jitter(ProbeSettings p) =>
        p.Jitter <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks(Random.Shared.NextInt64(p.Jitter.Ticks));

    private void OnDue(ProbeDue due)
    {
        // A reload cancels a removed probe's timer, and Akka delivers nothing from a cancelled timer.
        var p = probes[due.Probe];
        Timers.StartSingleTimer(p.Name, due, p.Every + Jitter(p));
        if (running.ContainsKey(p.Name))
        {
            log.Warning("probe {0}: previous run still going, this run skipped", p.Name);
            return;
        }

        startedAt[p.Name] = node.Clock.GetUtcNow();
        running[p.Name] = Context.ActorOf(ProbeRunActor.Props(p, factory, node.Clock).WithDispatcher(runDispatcher), $"{p.Name}-{++runs}");
    }

    private void OnResult(string name, bool isUp, string details, DateTimeOffset at)
    {
        if (!running.TryGetValue(name, out var run) || !run.Equals(Sender))
        {
            // A run a reload stopped (its probe removed or changed) that had already reported.
            return;
        }

        running.Remove(name);
        var p = probes[name];

        Inject(p, isUp, details, at);

        var was = up.GetValueOrDefault(name);
        up[name] = isUp;
        var since = was == isUp && last.TryGetValue(name, out var previous) ? previous.Since : at;
        var state = new ProbeState(name, isUp, since, at, startedAt.Remove(name, out var began) ? node.Clock.GetUtcNow() - began : null, details);
        last[name] = state;
        node.Metrics.Probes.OnResult(name, isUp, state.Duration);
        if (!p.Alert || was == isUp)
        {
            return;
        }

        if (isUp)
        {
            // Also after a restart (was unknown): the alert actor ignores a clear for a key that is not active.
            alerts.Tell(new AlertCleared(AlertKey(name), AlertKey(name), at));
        }
        else
        {
            alerts.Tell(new AlertRaised(AlertKey(name), $"{name} is down", details, Severity.Critical, AlertKey(name), at));
        }
    }

    private void Inject(ProbeSettings p, bool isUp, string details, DateTimeOffset at)
    {
        var message = messages.Create($"probe/{p.Name}", Facility.Daemon, isUp ? Severity.Notice : Severity.Critical, p.Program, details, at: at, withProcessId: true);
        if (!injector.Inject(message))
        {
            log.Warning("probe {0}: ingest queue full, result not logged: {1}", p.Name, details);
        }
    }
}
