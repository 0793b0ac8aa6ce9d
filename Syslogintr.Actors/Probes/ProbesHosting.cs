using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Syslogintr.Alerts;
using Syslogintr.Hosting;

namespace Syslogintr.Probes;

/// <summary>Adds the probe scheduler for the <c>syslogintr.probes</c> entries (nothing when there are none).</summary>
public static class ProbesHosting
{
    /// <summary>Probe runs wait on sockets and processes; they get their own thread, away from listeners and rules.</summary>
    public const string Dispatcher = "akka.actor.syslogintr-probe-dispatcher";

    private static readonly Config DispatcherConfig = ConfigurationFactory.ParseString("""
        akka.actor.syslogintr-probe-dispatcher {
          type = ForkJoinDispatcher
          throughput = 10
          dedicated-thread-pool.thread-count = 1
        }
        """);

    public static AkkaConfigurationBuilder AddProbes(this AkkaConfigurationBuilder builder, Config config, NodeServices node)
    {
        IReadOnlyList<ProbeSettings> probes;
        try
        {
            probes = ProbeSettings.AllFrom(config);
        }
        catch (ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }

        if (probes.Count == 0)
        {
            return builder;
        }

        builder.AddHocon(DispatcherConfig, HoconAddMode.Append);
        return builder.WithActors((system, registry) =>
        {
            var alerts = registry.TryGet<AlertsKey>(out var a) ? a : ActorRefs.Nobody;
            system.ActorOf(ProbeSchedulerActor.Props(probes, node, alerts, Dispatcher).WithDispatcher(Dispatcher), "probes");
        });
    }
}
