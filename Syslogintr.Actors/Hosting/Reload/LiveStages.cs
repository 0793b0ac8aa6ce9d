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
    /// A changed <c>probes</c> or <c>probe-defaults</c> section restarts the scheduler with the new probes (each runs
    /// as its <c>run-at-start</c> says). In a cluster the scheduler is a singleton: a restart applies it.
    /// </summary>
    public async Task<IReadOnlyList<string>> ApplyProbesAsync(Config running, Config next, IReadOnlyList<ProbeSettings> probes)
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

        // The scheduler answers Identify on the probes' dispatcher, which a running probe may keep busy: wait for it as
        // long as for its stop, or a second scheduler under the same name would be refused.
        var old = await system.ActorSelection($"/user/{ProbesHosting.SchedulerName}").ResolveOne(TimeSpan.FromSeconds(10)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);
        if (old is not null)
        {
            // Its name is free again once it has stopped.
            await old.GracefulStop(TimeSpan.FromSeconds(10));
        }

        // The stop's Terminated can reach us before the user guardian has freed the name: retry briefly until it has.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                ProbesHosting.StartProbes(system, registry, probes, node);
                return [$"probes restarted ({probes.Count})"];
            }
            catch (InvalidActorNameException) when (attempt < 100)
            {
                await Task.Delay(50);
            }
        }
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
