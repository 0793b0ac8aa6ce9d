using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Hosting;
using Syslogintr.Alerts.Mail;
using Syslogintr.Alerts.Replication;
using Syslogintr.Cluster;
using Syslogintr.Hosting;

namespace Syslogintr.Alerts;

/// <summary>The alert and mail settings of a node, read and checked before it starts.</summary>
/// <param name="MajorityTimeout">In a cluster: how long the alert owner waits for a majority to confirm a write or answer a read.</param>
public sealed record AlertsSetup(AlertSettings Alerts, MailSettings Mail, TimeSpan MajorityTimeout);

/// <summary>Adds the alert actor (<see cref="AlertsKey"/>) and the mailer it feeds to a node.</summary>
public static class AlertsHosting
{
    /// <summary>Mail and alerts wait on the network and fsync: a thread of their own, away from listeners and rules.</summary>
    public const string Dispatcher = "syslogintr.dispatchers.mail";

    /// <summary>Actor name of the alert owner's singleton manager (the singleton is <c>/user/alerts-owner/owner</c>).</summary>
    public const string OwnerManagerName = "alerts-owner";

    public const string OwnerName = "owner";

    /// <summary>Actor name, under /user, of what <see cref="AlertsKey"/> names: the alert actor on a single node, the forwarder in a cluster.</summary>
    public const string Name = "alerts";

    /// <summary>Reads <c>syslogintr.alerts</c> and <c>syslogintr.mail</c>; a mistake (or a password written in the file) stops the node at start.</summary>
    public static AlertsSetup Validate(Config config)
    {
        try
        {
            var majorityTimeout = new SettingsReader(config).Duration("syslogintr.alerts.majority-timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
            return new AlertsSetup(AlertSettings.From(config), MailSettings.Parse(config), majorityTimeout);
        }
        catch (ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }
    }

    /// <summary>
    /// A single node: starts the mailer and the alert actor, and registers the latter as <see cref="AlertsKey"/>.
    /// A cluster: the alert actor with its mailer is one singleton on the <c>ops</c> nodes (a manager on each of
    /// them), its state replicated; on every node <see cref="AlertsKey"/> is a forwarder that reaches it through a
    /// singleton proxy and counts what it never confirmed. ClusterSingletonManager and proxy are started here, in
    /// the node's one ordered starter, rather than with Akka.Cluster.Hosting's <c>WithSingleton</c>: that adds a
    /// starter of its own, whose props would be built before the registry holds the stages they need (the probe
    /// scheduler's action targets) and whose registration of <see cref="AlertsKey"/> must precede the rules'.
    /// </summary>
    public static void StartAlerts(ActorSystem system, IActorRegistry registry, AlertsSetup setup, NodeServices node)
    {
        var mail = setup.Mail;
        if (!node.Cluster.Enabled)
        {
            var mailer = system.ActorOf(MailerActor.Props(mail, node.Clock, MailTransportFactory.From(mail), node.Metrics.Mail).WithDispatcher(Dispatcher), "mailer");
            var alerter = system.ActorOf(AlertActor.Props(setup.Alerts, node.Clock, mailer, node.HostName, node.Metrics.Alerts).WithDispatcher(Dispatcher), Name);
            registry.Register<AlertsKey>(alerter);
            return;
        }

        if (node.Cluster.Has(ClusterSettings.OpsRole))
        {
            // No durable outbox: the owner has each mail on a majority before the mailer gets it, and a new owner
            // hands over what is unsent; a local outbox would resend, on this node's next turn, what another sent.
            var mailer = MailerActor.Props(mail, node.Clock, MailTransportFactory.From(mail), node.Metrics.Mail, durable: false).WithDispatcher(Dispatcher);
            var owner = AlertActor.Props(setup.Alerts, node.Clock, mailer, node.HostName, new ReplicatedAlertStore(system, setup.MajorityTimeout), node.Metrics.Alerts).WithDispatcher(Dispatcher);
            system.ActorOf(
                ClusterSingletonManager.Props(owner, PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system).WithRole(ClusterSettings.OpsRole).WithSingletonName(OwnerName)),
                OwnerManagerName);
        }

        var proxy = system.ActorOf(
            ClusterSingletonProxy.Props($"/user/{OwnerManagerName}", ClusterSingletonProxySettings.Create(system).WithRole(ClusterSettings.OpsRole).WithSingletonName(OwnerName)),
            OwnerManagerName + "-proxy");
        registry.Register<AlertsKey>(system.ActorOf(AlertForwarderActor.Props(proxy, node.Metrics.SideEffects), Name));
    }
}
