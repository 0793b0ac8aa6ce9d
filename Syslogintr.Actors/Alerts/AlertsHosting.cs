using Akka.Configuration;
using Akka.Hosting;
using Syslogintr.Alerts.Mail;
using Syslogintr.Hosting;

namespace Syslogintr.Alerts;

/// <summary>Adds the alert actor (<see cref="AlertsKey"/>) and the mailer it feeds to a node.</summary>
public static class AlertsHosting
{
    /// <summary>Mail and alerts run on their own thread, away from the default dispatcher, listeners and rules.</summary>
    public const string Dispatcher = "akka.actor.syslogintr-mail-dispatcher";

    private static readonly Config DispatcherConfig = ConfigurationFactory.ParseString("""
        akka.actor.syslogintr-mail-dispatcher {
          type = ForkJoinDispatcher
          throughput = 10
          dedicated-thread-pool.thread-count = 1
        }
        """);

    public static AkkaConfigurationBuilder AddAlerts(this AkkaConfigurationBuilder builder, Config config, NodeServices node)
    {
        AlertSettings alerts;
        MailSettings mail;
        try
        {
            alerts = AlertSettings.From(config);
            mail = MailSettings.Parse(config);
        }
        catch (ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }

        builder.AddHocon(DispatcherConfig, HoconAddMode.Append);
        return builder.WithActors((system, registry) =>
        {
            var mailer = system.ActorOf(MailerActor.Props(mail, () => MailerActor.CreateTransport(mail), node.Clock).WithDispatcher(Dispatcher), "mailer");
            var alerter = system.ActorOf(AlertActor.Props(alerts, node.Clock, mailer, node.HostName).WithDispatcher(Dispatcher), "alerts");
            registry.Register<AlertsKey>(alerter);
        });
    }
}
