using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Syslogintr.Alerts;
using Syslogintr.Hosting;
using Syslogintr.Rules;

namespace Syslogintr.Probes;

/// <summary>Adds the probe scheduler for the <c>syslogintr.probes</c> entries (nothing when there are none).</summary>
public static class ProbesHosting
{
    /// <summary>Probe runs wait on sockets and processes: a thread of their own, away from listeners and rules.</summary>
    public const string Dispatcher = "syslogintr.dispatchers.probes";

    /// <summary>Reads <c>syslogintr.probes</c>; a mistake stops the node at start with a clear message.</summary>
    public static IReadOnlyList<ProbeSettings> Validate(Config config)
    {
        try
        {
            return ProbeSettings.AllFrom(config);
        }
        catch (ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }
    }

    /// <summary>Starts the scheduler; its alerts go to <see cref="AlertsKey"/> when that is registered.</summary>
    public static void StartProbes(ActorSystem system, IActorRegistry registry, IReadOnlyList<ProbeSettings> probes, NodeServices node)
    {
        if (probes.Count == 0)
        {
            return;
        }

        var actions = ActionTargets.From(registry);
        system.ActorOf(ProbeSchedulerActor.Props(probes, node, actions, actions.Alerts ?? ActorRefs.Nobody, Dispatcher).WithDispatcher(Dispatcher), "probes");
    }
}
