using Akka.Actor;
using Akka.Event;
using Syslogintr.Hosting;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// Parent of every listener. It knows which have bound (so the node can refuse to start with a port in use)
/// and stops them all first at shutdown. A listener that stops at run time (its socket failed) is started again on
/// a fresh socket after a backoff that doubles with each failure in a row, so a socket that keeps failing costs a
/// log line now and then, never a spinning thread or the node.
/// </summary>
public sealed class ListenerSupervisorActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly NodeServices node;
    private readonly Dictionary<string, ListenerSettings> listeners;
    private readonly HashSet<string> pending;
    private readonly List<string> failures = [];
    private readonly List<IActorRef> waiting = [];

    // Listeners that have bound once: only those are restarted (a first bind that fails stops the node's start).
    private readonly HashSet<string> everBound = [];
    private readonly Dictionary<string, DateTime> upSince = [];
    private readonly Dictionary<string, int> failuresInARow = [];
    private bool stopping;

    public ListenerSupervisorActor(IReadOnlyList<ListenerSettings> listeners, NodeServices node)
    {
        this.node = node;
        this.listeners = listeners.ToDictionary(l => l.Name);
        pending = listeners.Select(l => l.Name).ToHashSet();
        foreach (var settings in listeners)
        {
            Start(settings);
        }

        Receive<ListenerBound>(b =>
        {
            log.Info("listener {0}: {1}", b.Name, b.Description);
            everBound.Add(b.Name);
            upSince[b.Name] = DateTime.UtcNow;
            Reported(b.Name);
        });
        Receive<ListenerBindFailed>(f =>
        {
            if (everBound.Contains(f.Name))
            {
                log.Error("listener {0} could not start again: {1}", f.Name, f.Reason);
                return;
            }

            log.Error("listener {0} could not start: {1}", f.Name, f.Reason);
            failures.Add($"{f.Name}: {f.Reason}");
            Reported(f.Name);
        });
        Receive<Terminated>(t => OnStopped(t.ActorRef.Path.Name));
        Receive<RestartListener>(r =>
        {
            if (!stopping)
            {
                Start(this.listeners[r.Name]);
            }
        });
        Receive<GetListenerStates>(_ => Sender.Tell(new ListenerStates(
            [.. this.listeners.Keys.Where(upSince.ContainsKey).Order(StringComparer.Ordinal)],
            [.. this.listeners.Keys.Where(n => !upSince.ContainsKey(n)).Order(StringComparer.Ordinal)])));
        Receive<AwaitListenersReady>(_ =>
        {
            waiting.Add(Sender);
            AnswerIfReady();
        });
        ReceiveAsync<StopListening>(async _ =>
        {
            stopping = true;
            Timers.CancelAll();
            var replyTo = Sender;
            await Task.WhenAll(Context.GetChildren().Select(c => c.GracefulStop(TimeSpan.FromSeconds(5))));
            replyTo.Tell(ListenersStopped.Instance);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IReadOnlyList<ListenerSettings> listeners, NodeServices node) =>
        Akka.Actor.Props.Create(() => new ListenerSupervisorActor(listeners, node));

    private static Props PropsFor(ListenerSettings settings, NodeServices node) => settings.Kind switch
    {
        ListenerKind.Udp => UdpListenerActor.Props(settings, node),
        ListenerKind.Unix => UnixDatagramListenerActor.Props(settings, node),
        _ => TcpListenerActor.Props(settings, node),
    };

    private void Start(ListenerSettings settings) => Context.Watch(Context.ActorOf(PropsFor(settings, node), settings.Name));

    private void OnStopped(string name)
    {
        if (stopping || !everBound.Contains(name))
        {
            return;
        }

        // A listener that ran longer than the longest backoff failed afresh, not in a row.
        var ranLong = upSince.Remove(name, out var since) && DateTime.UtcNow - since > MaxBackoff;
        var inARow = ranLong ? 0 : failuresInARow.GetValueOrDefault(name);
        failuresInARow[name] = inARow + 1;
        var delay = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, MinBackoff.Ticks << Math.Min(inARow, 16)));
        log.Warning("listener {0} stopped; starting it again in {1:0.0} s", name, delay.TotalSeconds);
        Timers.StartSingleTimer(name, new RestartListener(name), delay);
    }

    private void Reported(string name)
    {
        pending.Remove(name);
        AnswerIfReady();
    }

    private void AnswerIfReady()
    {
        if (pending.Count > 0)
        {
            return;
        }

        foreach (var asker in waiting)
        {
            asker.Tell(new ListenersReady(failures.ToList()));
        }

        waiting.Clear();
    }

    private sealed record RestartListener(string Name);
}
