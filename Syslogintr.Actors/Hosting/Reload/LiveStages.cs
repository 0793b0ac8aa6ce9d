using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Hosting;
using Syslogintr.Alerts;
using Syslogintr.Alerts.Mail;
using Syslogintr.Probes;
using Syslogintr.Rules;
using Syslogintr.Sinks;

namespace Syslogintr.Hosting.Reload;

/// <summary>What a reload changes on a running node: its sinks, its local rules, its probe scheduler, its alert actor and mailer.</summary>
public sealed class LiveStages(ActorSystem system, IActorRegistry registry, NodeServices node, RunningSinks sinks, RunningRules? rules)
{
    public RunningSinks Sinks { get; } = sinks;

    /// <summary>Null on a node whose rules are not loaded yet (it failed to start).</summary>
    public RunningRules? Rules { get; } = rules;

    /// <summary>
    /// A changed <c>probes</c> or <c>probe-defaults</c> section is handed to the probe scheduler (see
    /// <see cref="ProbesChanged"/>), which starts here if the node had no probes. In a cluster the scheduler is a
    /// singleton: a restart applies it.
    /// </summary>
    public IReadOnlyList<string> ApplyProbes(Config running, Config next, IReadOnlyList<ProbeSettings> probes)
    {
        if (!ConfigKeys.Changed(running, next, "syslogintr.probes") && !ConfigKeys.Changed(running, next, "syslogintr.probe-defaults"))
        {
            return [];
        }

        if (node.Cluster.Enabled)
        {
            system.Log.Warning("syslogintr.probes changed: needs a restart on a cluster node (the probe scheduler is a cluster singleton)");
            return [];
        }

        if (registry.TryGet<ProbeSchedulerKey>(out var scheduler))
        {
            scheduler.Tell(new ProbesChanged(probes));
            return [$"probes changed ({probes.Count})"];
        }

        ProbesHosting.StartProbes(system, registry, probes, node);
        return probes.Count > 0 ? [$"probes started ({probes.Count})"] : [];
    }

    /// <summary>A changed <c>alerts</c> or <c>mail</c> section is handed to the alert actor and the mailer, which keep their state.</summary>
    public IReadOnlyList<string> ApplyAlerts(Config running, Config next, AlertsSetup setup)
    {
        var alerts = ConfigKeys.Changed(running, next, "syslogintr.alerts");
        var mail = ConfigKeys.Changed(running, next, "syslogintr.mail");
        if (!alerts && !mail)
        {
            return [];
        }

        if (node.Cluster.Enabled)
        {
            system.Log.Warning("syslogintr.alerts / syslogintr.mail changed: needs a restart on a cluster node (the alert owner is a cluster singleton)");
            return [];
        }

        var changes = new List<string>();
        if (alerts)
        {
            registry.Get<AlertsKey>().Tell(new AlertSettingsChanged(setup.Alerts));
            changes.Add("alert settings changed");
        }

        if (mail)
        {
            system.ActorSelection("/user/mailer").Tell(new MailSettingsChanged(setup.Mail));
            changes.Add("mail settings changed");
        }

        return changes;
    }
}
