using Akka.Actor;
using Akka.Hosting;
using Syslogintr.Hosting;

namespace Syslogintr.Ingest.Listeners;

/// <summary>Registry key of the listener supervisor.</summary>
public sealed class ListenersKey;

public static class IngestHosting
{
    private static readonly TimeSpan BindTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Starts the listeners last (after every consumer is subscribed), fails the node's start when one cannot bind,
    /// and stops them first at shutdown so the queue can drain.
    /// </summary>
    public static async Task StartListenersAsync(ActorSystem system, IActorRegistry registry, IReadOnlyList<ListenerSettings> listeners, NodeServices node)
    {
        var supervisor = system.ActorOf(ListenerSupervisorActor.Props(listeners, node), "listeners");
        registry.Register<ListenersKey>(supervisor);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "stop-listeners", async () =>
        {
            await supervisor.Ask<ListenersStopped>(StopListening.Instance, TimeSpan.FromSeconds(10));
            return Akka.Done.Instance;
        });
        var ready = await supervisor.Ask<ListenersReady>(AwaitListenersReady.Instance, BindTimeout);
        if (ready.Failures.Count > 0)
        {
            throw new StartupException("cannot listen: " + string.Join("; ", ready.Failures));
        }
    }
}
