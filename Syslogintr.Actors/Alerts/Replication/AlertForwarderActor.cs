using Akka.Actor;
using Akka.Event;
using Syslogintr.Metrics;

namespace Syslogintr.Alerts.Replication;

/// <summary>
/// <see cref="AlertsKey"/> on every node of a cluster: hands each alert to the alert owner through the singleton
/// proxy, numbered, and counts what the owner never confirmed. The proxy buffers while no owner is known (a
/// failover) and then drops its oldest message without a word, and a message sent to an owner that just died is
/// lost in remoting; neither may go unnoticed. An alert not confirmed within <see cref="ConfirmTimeout"/>, or pushed
/// out by <see cref="MaxUnconfirmed"/> newer ones, is counted (<c>alert.unconfirmed</c>) and logged. It is not
/// resent: a raise resent after its clear would reopen the alert; probes raise again at their next run, rules at
/// their next match.
/// </summary>
public sealed class AlertForwarderActor : ReceiveActor, IWithTimers
{
    /// <summary>The proxy's own buffer: beyond it, the proxy is certain to have dropped the oldest.</summary>
    public const int MaxUnconfirmed = 1000;

    /// <summary>Well beyond a failover (about 16 s with the shipped settings), after which the proxy has delivered what it buffered.</summary>
    public static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(60);

    public const string UnconfirmedCounter = "alert.unconfirmed";

    private const string SweepTimer = "sweep";

    private readonly IActorRef owner;
    private readonly ActionCounters counters;
    private readonly ILoggingAdapter log = Context.GetLogger();

    /// <summary>Sent and not confirmed, in the order sent (so the oldest is first).</summary>
    private readonly Dictionary<long, (DateTime SentAt, string Key)> unconfirmed = [];
    private readonly Queue<long> order = new();
    private long seq;

    public AlertForwarderActor(IActorRef owner, ActionCounters counters)
    {
        this.owner = owner;
        this.counters = counters;
        Receive<AlertRaised>(r => Forward(r, r.Key));
        Receive<AlertCleared>(c => Forward(c, c.Key));
        Receive<AlertReceived>(OnReceived);
        Receive<Sweep>(_ => Expire());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef owner, ActionCounters counters) => Akka.Actor.Props.Create(() => new AlertForwarderActor(owner, counters));

    private void Forward(object alert, string key)
    {
        // Swept only while something waits for its confirmation: an idle node runs no timer for it.
        if (!Timers.IsTimerActive(SweepTimer))
        {
            Timers.StartPeriodicTimer(SweepTimer, Sweep.Instance, ConfirmTimeout / 6);
        }

        seq++;
        unconfirmed[seq] = (DateTime.UtcNow, key);
        order.Enqueue(seq);
        owner.Tell(new AlertForwarded(seq, alert));
        while (unconfirmed.Count > MaxUnconfirmed)
        {
            Lose(order.Dequeue(), "more than " + MaxUnconfirmed + " alerts wait for the owner");
        }
    }

    private void OnReceived(AlertReceived received)
    {
        unconfirmed.Remove(received.Seq);
        while (order.TryPeek(out var oldest) && !unconfirmed.ContainsKey(oldest))
        {
            order.Dequeue();
        }

        StopSweepingWhenNothingWaits();
    }

    private void Expire()
    {
        var deadline = DateTime.UtcNow - ConfirmTimeout;
        while (order.TryPeek(out var oldest) && (!unconfirmed.TryGetValue(oldest, out var sent) || sent.SentAt < deadline))
        {
            Lose(order.Dequeue(), $"no alert owner confirmed it within {ConfirmTimeout.TotalSeconds:0} s");
        }

        StopSweepingWhenNothingWaits();
    }

    private void StopSweepingWhenNothingWaits()
    {
        if (unconfirmed.Count == 0)
        {
            Timers.Cancel(SweepTimer);
        }
    }

    private void Lose(long lost, string why)
    {
        if (unconfirmed.Remove(lost, out var sent))
        {
            counters.Increment(UnconfirmedCounter);
            log.Warning("alert {0} (#{1}) may be lost: {2}", sent.Key, lost, why);
        }
    }

    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
    }
}
