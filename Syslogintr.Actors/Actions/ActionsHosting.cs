using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Syslogintr.Hosting;

namespace Syslogintr.Actions;

/// <summary>Starts the side-effect actors that rules talk to (ban, exec) and registers them; relay and write are sinks (<see cref="Sinks.SinksHosting"/>).</summary>
public static class ActionsHosting
{
    /// <summary>
    /// The dispatcher of the side-effect actors: process exec and firewall commands never run
    /// on the default dispatcher, a listener's thread or a rule's.
    /// </summary>
    public const string DispatcherId = "syslogintr.dispatchers.actions";

    /// <summary>The <c>ban</c> and <c>exec</c> sections, checked before the actor system starts.</summary>
    public static ActionSettings Validate(Config config)
    {
        try
        {
            return new ActionSettings(BanSettings.From(config), ExecSettings.From(config));
        }
        catch (ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }
    }

    /// <summary>Starts and registers <see cref="BanKey"/> and <see cref="ExecKey"/>; call before rules start.</summary>
    public static void StartActions(ActorSystem system, IActorRegistry registry, ActionSettings settings, NodeServices node)
    {
        var counters = node.Metrics.SideEffects;
        registry.Register<ExecKey>(system.ActorOf(ExecActor.Props(settings.Exec, counters), "exec"));
        registry.Register<BanKey>(system.ActorOf(BanActor.Props(settings.Ban, node.Metrics.Ban, counters, node.Clock, replicated: node.Cluster.Enabled), BanActor.Name));
    }
}

/// <summary>The settings of the side-effect actors.</summary>
public sealed record ActionSettings(BanSettings Ban, ExecSettings Exec);
