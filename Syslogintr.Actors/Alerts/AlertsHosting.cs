using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Syslogintr.Alerts.Mail;
using Syslogintr.Hosting;

namespace Syslogintr.Alerts;

/// <summary>The alert and mail settings of a node, read and checked before it starts.</summary>
public sealed record AlertsSetup(AlertSettings Alerts, MailSettings Mail);

/// <summary>Adds the alert actor (<see cref="AlertsKey"/>) and the mailer it feeds to a node.</summary>
public static class AlertsHosting
{
    /// <summary>Mail and alerts wait on the network and fsync: a thread of their own, away from listeners and rules.</summary>
    public const string Dispatcher = "syslogintr.dispatchers.mail";

    /// <summary>Reads <c>syslogintr.alerts</c> and <c>syslogintr.mail</c>; a mistake (or a password written in the file) stops the node at start.</summary>
    public static AlertsSetup Validate(Config config)
    {
        try
        {
            return new AlertsSetup(AlertSettings.From(config), MailSettings.Parse(config));
        }
        catch (ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }
    }

    /// <summary>Starts the mailer and the alert actor, and registers the latter as <see cref="AlertsKey"/>.</summary>
    public static void StartAlerts(ActorSystem system, IActorRegistry registry, AlertsSetup setup, NodeServices node)
    {
        var mail = setup.Mail;
        var mailer = system.ActorOf(MailerActor.Props(mail, node.Clock, MailTransportFactory.From(mail)).WithDispatcher(Dispatcher), "mailer");
        var alerter = system.ActorOf(AlertActor.Props(setup.Alerts, node.Clock, mailer, node.HostName).WithDispatcher(Dispatcher), "alerts");
        registry.Register<AlertsKey>(alerter);
    }
}
