using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Hosting;
using Syslogintr.Alerts;
using Syslogintr.Cluster;
using Syslogintr.Hosting;
using Syslogintr.Rules;

namespace Syslogintr.Probes;

/// <summary>The probe scheduler (a single node), or its singleton manager (a cluster).</summary>
public sealed class ProbeSchedulerKey;

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

    /// <summary>Actor name of the probe scheduler (a single node) or of its singleton manager (a cluster: <c>/user/probes/scheduler</c>).</summary>
    public const string SchedulerName = "probes";

    public const string SingletonName = "scheduler";

    /// <summary>
    /// Starts the scheduler; its alerts go to <see cref="AlertsKey"/> when that is registered. In a cluster the
    /// scheduler is a singleton on the <c>ops</c> nodes, so each probe runs once per interval cluster-wide: every
    /// ops node starts a manager, with or without probes of its own (the oldest ops node hosts the scheduler, and
    /// runs the probes configured on it), and a scheduler that takes over runs every probe at once.
    /// </summary>
    public static void StartProbes(ActorSystem system, IActorRegistry registry, IReadOnlyList<ProbeSettings> probes, NodeServices node)
    {
        var cluster = node.Cluster;
        if (cluster.Enabled ? !cluster.Has(ClusterSettings.OpsRole) : probes.Count == 0)
        {
            return;
        }

        var actions = ActionTargets.From(registry);
        var scheduler = ProbeSchedulerActor.Props(probes, node, actions, actions.Alerts ?? ActorRefs.Nobody, Dispatcher, takingOver: cluster.Enabled).WithDispatcher(Dispatcher);
        registry.Register<ProbeSchedulerKey>(system.ActorOf(
            cluster.Enabled
                ? ClusterSingletonManager.Props(scheduler, PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system).WithRole(ClusterSettings.OpsRole).WithSingletonName(SingletonName))
                : scheduler,
            SchedulerName));
    }
}
