using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Syslogintr.Hosting;
using Syslogintr.Sinks;
using Syslogintr.Sinks.FileWrite;
using Syslogintr.Sinks.Relay;

namespace Syslogintr.Actions;

/// <summary>Starts the side-effect actors that rules talk to (ban, exec, relay, file write) and registers them.</summary>
public static class ActionsHosting
{
    /// <summary>
    /// The dispatcher of every side-effect actor: process exec, firewall commands, file writes and DNS never run
    /// on the default dispatcher, a listener's thread or a rule's.
    /// </summary>
    public const string DispatcherId = "syslogintr.dispatchers.actions";

    /// <summary>The <c>ban</c>, <c>exec</c>, <c>relay</c> and <c>write</c> sections, checked before the actor system starts.</summary>
    public static ActionSettings Validate(Config config)
    {
        try
        {
            return new ActionSettings(BanSettings.From(config), ExecSettings.From(config), RelaySettings.From(config), FileWriteSettings.From(config));
        }
        catch (ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }
    }

    /// <summary>Starts and registers <see cref="BanKey"/>, <see cref="ExecKey"/>, <see cref="RelayKey"/> and <see cref="FileWriteKey"/>; call before rules start.</summary>
    public static void StartActions(ActorSystem system, IActorRegistry registry, ActionSettings settings, NodeServices node)
    {
        var counters = new ActionCounters(node.Metrics.Meter);
        registry.Register<ExecKey>(system.ActorOf(ExecActor.Props(settings.Exec, counters), "exec"));
        registry.Register<BanKey>(system.ActorOf(BanActor.Props(settings.Ban, node.Metrics.Ban, counters, node.Clock), "ban"));
        registry.Register<RelayKey>(system.ActorOf(RelayActor.Props(settings.Relay, counters), "relay"));
        registry.Register<FileWriteKey>(system.ActorOf(FileWriteActor.Props(settings.Write, counters), "file-write"));
    }
}

/// <summary>The settings of the side-effect actors.</summary>
public sealed record ActionSettings(BanSettings Ban, ExecSettings Exec, RelaySettings Relay, FileWriteSettings Write);
