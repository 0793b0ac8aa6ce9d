using Akka.Actor;
using Akka.Event;
using Syslogintr.Hosting;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// Parent of every listener. It knows which have bound (so the node can refuse to start with a port in use)
/// and stops them all first at shutdown. A listener that fails at run time is restarted: it rebinds its socket.
/// </summary>
public sealed class ListenerSupervisorActor : ReceiveActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly HashSet<string> pending;
    private readonly List<string> failures = [];
    private readonly List<IActorRef> waiting = [];

    public ListenerSupervisorActor(IReadOnlyList<ListenerSettings> listeners, NodeServices node)
    {
        pending = listeners.Select(l => l.Name).ToHashSet();
        foreach (var settings in listeners)
        {
            Context.ActorOf(PropsFor(settings, node), settings.Name);
        }

        Receive<ListenerBound>(b =>
        {
            log.Info("listener {0}: {1}", b.Name, b.Description);
            Reported(b.Name);
        });
        Receive<ListenerBindFailed>(f =>
        {
            log.Error("listener {0} could not start: {1}", f.Name, f.Reason);
            failures.Add($"{f.Name}: {f.Reason}");
            Reported(f.Name);
        });
        Receive<AwaitListenersReady>(_ =>
        {
            waiting.Add(Sender);
            AnswerIfReady();
        });
        ReceiveAsync<StopListening>(async _ =>
        {
            var replyTo = Sender;
            await Task.WhenAll(Context.GetChildren().Select(c => c.GracefulStop(TimeSpan.FromSeconds(5))));
            replyTo.Tell(ListenersStopped.Instance);
        });
    }

    public static Props Props(IReadOnlyList<ListenerSettings> listeners, NodeServices node) =>
        Akka.Actor.Props.Create(() => new ListenerSupervisorActor(listeners, node));

    private static Props PropsFor(ListenerSettings settings, NodeServices node) => settings.Kind switch
    {
        ListenerKind.Udp => UdpListenerActor.Props(settings, node),
        ListenerKind.Unix => UnixDatagramListenerActor.Props(settings, node),
        _ => TcpListenerActor.Props(settings, node),
    };

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
}
