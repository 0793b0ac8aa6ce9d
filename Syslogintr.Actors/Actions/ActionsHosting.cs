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
    /// The dispatcher of every side-effect actor (defined in syslogintr.conf): process exec, firewall commands, file
    /// writes and DNS never run on the default dispatcher, a listener's thread or a rule's.
    /// </summary>
    public const string DispatcherId = "akka.actor.action-dispatcher";

    /// <summary>Registers <see cref="BanKey"/>, <see cref="ExecKey"/>, <see cref="RelayKey"/> and <see cref="FileWriteKey"/>; call before rules are added.</summary>
    public static AkkaConfigurationBuilder AddActions(this AkkaConfigurationBuilder builder, Config config, NodeServices node)
    {
        var counters = new ActionCounters(node.Metrics.Meter);
        var ban = BanSettings.From(config);
        var exec = ExecSettings.From(config);
        var relay = RelaySettings.From(config);
        var write = FileWriteSettings.From(config);
        return builder.WithActors((system, registry) =>
        {
            registry.Register<ExecKey>(system.ActorOf(ExecActor.Props(exec, counters), "exec"));
            registry.Register<BanKey>(system.ActorOf(BanActor.Props(ban, counters, node.Clock), "ban"));
            registry.Register<RelayKey>(system.ActorOf(RelayActor.Props(relay, counters), "relay"));
            registry.Register<FileWriteKey>(system.ActorOf(FileWriteActor.Props(write, counters), "file-write"));
        });
    }
}
