using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Probes;
using Syslogintr.Rules;
using Syslogintr.Sinks;

namespace Syslogintr.Hosting;

/// <summary>Registry key of the router.</summary>
public sealed class RouterKey;

/// <summary>
/// Composes a node: the ingest queue, the router, and every stage, in the order messages flow so consumers are
/// subscribed before the first listener opens its socket. The node executable and the tests both start nodes
/// through this.
/// </summary>
public static class SyslogintrHosting
{
    public const string ActorSystemName = "syslogintr";

    public static IServiceCollection AddSyslogintr(this IServiceCollection services, Config config, TimeProvider? clock = null)
    {
        var pipeline = PipelineSettings.From(config);
        var sinks = SinksHosting.Validate(config);
        var alerts = AlertsHosting.Validate(config);
        var probes = ProbesHosting.Validate(config);
        var listeners = ListenerSettings.From(config);
        var actions = ActionsHosting.Validate(config);
        var rules = RulesHosting.Validate(config);
        var hostName = config.GetString("syslogintr.hostname", "");
        var node = new NodeServices(
            new IngestQueue(pipeline.QueueSize),
            new NodeMetrics(),
            clock ?? TimeProvider.System,
            string.IsNullOrEmpty(hostName) ? Environment.MachineName : hostName);
        services.AddSingleton(node);
        var scripts = RulesHosting.LoadScripts(config, rules, node);

        services.AddAkka(ActorSystemName, (builder, _) =>
        {
            builder.AddHocon(config, HoconAddMode.Prepend);
            builder.ConfigureLoggers(loggers => loggers.AddLoggerFactory());
            // One starter, so the order is ours: consumers are subscribed before the first listener reads.
            builder.WithActors(async (system, registry) =>
            {
                var router = system.ActorOf(RouterActor.Props(node.Queue, node.Metrics, pipeline.BatchSize), "router");
                registry.Register<RouterKey>(router);
                system.ActorOf(MetricsReporterActor.Props(node.Metrics, config.GetTimeSpan("syslogintr.metrics.summary-interval", TimeSpan.FromMinutes(1))), "metrics");
                AddDrainOnShutdown(system, node.Queue, router, pipeline.DrainTimeout);
                await SinksHosting.StartSinksAsync(system, router, sinks, node, pipeline);
                AlertsHosting.StartAlerts(system, registry, alerts, node);
                ActionsHosting.StartActions(system, registry, actions, node);
                await RulesHosting.StartRulesAsync(system, registry, scripts, node);
                ProbesHosting.StartProbes(system, registry, probes, node);
                await IngestHosting.StartListenersAsync(system, registry, listeners, node);
            });
        });
        return services;
    }

    /// <summary>
    /// Once listeners are unbound (phase service-unbind), close the queue and wait until the router has handed
    /// everything to the sinks; sinks flush when the actor system stops them.
    /// </summary>
    private static void AddDrainOnShutdown(ActorSystem system, IngestQueue queue, IActorRef router, TimeSpan timeout)
    {
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "drain-ingest-queue", async () =>
        {
            queue.Close();
            await router.Ask<Drained>(new Drain(timeout), timeout + TimeSpan.FromSeconds(1));
            return Akka.Done.Instance;
        });
    }
}

/// <summary>The <c>syslogintr.pipeline</c> section.</summary>
public sealed record PipelineSettings(int QueueSize, int BatchSize, int MaxMessagesInFlight, TimeSpan DrainTimeout)
{
    public static PipelineSettings From(Config config) => new(
        config.GetInt("syslogintr.pipeline.queue-size", 50_000),
        config.GetInt("syslogintr.pipeline.batch-size", 1024),
        config.GetInt("syslogintr.pipeline.max-messages-in-flight", 32768),
        config.GetTimeSpan("syslogintr.pipeline.drain-timeout", TimeSpan.FromSeconds(5)));
}
