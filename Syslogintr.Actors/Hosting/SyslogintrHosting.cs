using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Cluster;
using Syslogintr.Hosting.Reload;
using Syslogintr.Http;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Probes;
using Syslogintr.Rules;
using Syslogintr.Rules.Distributed;
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

    /// <summary>How long, beyond drain-timeout, a node may take to stop actors (one stuck in a loop never stops).</summary>
    public static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(1.5);

    /// <param name="config">The node's settings; the embedded defaults are layered under it here, so each key is read from one place.</param>
    /// <param name="clock">The node's clock; the system's by default.</param>
    /// <param name="afterBind">
    /// The original's order (script mode): when given, the listeners bind and read before the rules' scripts load,
    /// this runs in between (the privilege drop), and the router holds what they read until the rules have
    /// subscribed, so a script whose top level blocks (the original's own check_apache mailing through sendmail,
    /// whose MTA logs back to us) never leaves a sender waiting on an unread socket. Without it scripts load before
    /// the actor system starts, so a script that does not load stops the node before any socket opens.
    /// </param>
    /// <param name="reread">
    /// How the node reads its configuration again, as at start, on <c>syslogintr reload</c> (throwing
    /// <see cref="Checking.ConfigProblemsException"/> for a broken one): see <see cref="ConfigReloadActor"/>. Null (no
    /// configuration file, script mode): a reload re-reads the rules' scripts only.
    /// </param>
    /// <param name="trimMemoryWhenIdle">
    /// Start <see cref="IdleMemoryTrimActor"/> as <c>syslogintr.memory.trim-when-idle</c> says: the executable's
    /// choice, not every actor system's. The collection it asks for is the whole process's, so it is one per process,
    /// and a process holding several nodes (the tests' in-process ones) must not collect under all of them.
    /// </param>
    public static IServiceCollection AddSyslogintr(this IServiceCollection services, Config config, TimeProvider? clock = null, Action? afterBind = null, Func<Config>? reread = null, bool trimMemoryWhenIdle = false)
    {
        config = DefaultSettings.Under(config);
        var settings = new SettingsReader(config);
        var pipeline = PipelineSettings.From(settings);
        var summaryInterval = settings.Duration("syslogintr.metrics.summary-interval", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        var trimInterval = trimMemoryWhenIdle ? TrimWhenIdle(settings) : TimeSpan.Zero;
        var sinks = SinksHosting.Validate(config);
        var alerts = AlertsHosting.Validate(config);
        var probes = ProbesHosting.Validate(config);
        var listeners = SocketActivation.Adopt(ListenerSettings.From(config), config, SocketActivation.FromEnvironment());
        var actions = ActionsHosting.Validate(config);
        var rules = RulesHosting.Validate(config);
        var rulesSettings = RulesSettings.From(settings);
        var distributedRules = DistributedRuleSettings.From(settings);
        var hostName = settings.String("syslogintr.hostname");
        var cluster = ClusterSettings.From(settings);
        var node = new NodeServices(
            new IngestQueue(pipeline.QueueSize, pipeline.QueueMaxBytes),
            new NodeMetrics(),
            clock ?? TimeProvider.System,
            string.IsNullOrEmpty(hostName) ? Environment.MachineName : hostName)
        {
            Cluster = cluster,
        };
        services.AddSingleton(node);
        var failure = new StartupFailure();
        services.AddSingleton(failure);
        var scripts = afterBind is null ? RulesHosting.LoadScripts(rulesSettings, rules, node) : null;

        services.AddAkka(ActorSystemName, (builder, _) =>
        {
            builder.AddHocon(config, HoconAddMode.Prepend);
            builder.AddHocon(ShutdownPhases(pipeline.DrainTimeout), HoconAddMode.Prepend);
            builder.ConfigureLoggers(loggers => loggers.AddLoggerFactory());
            builder.WithSyslogintrCluster(cluster);
            // One starter, so the order is ours: consumers are subscribed before the first listener reads.
            builder.WithActors(async (system, registry) =>
            {
                var router = system.ActorOf(RouterActor.Props(node.Queue, node.Metrics, pipeline.BatchSize, pipeline.MaxBackpressure, heldUntilReady: afterBind is not null, pipeline.MaxBytesInFlight), "router");
                registry.Register<RouterKey>(router);
                system.ActorOf(MetricsReporterActor.Props(node.Metrics, summaryInterval), "metrics");
                if (trimInterval > TimeSpan.Zero)
                {
                    system.ActorOf(IdleMemoryTrimActor.Props(trimInterval, new RuntimeMemory()), "memory-trim");
                }
                if (cluster.Enabled)
                {
                    system.ActorOf(ClusterStatusActor.Props(node.Metrics.Cluster), ClusterStatusActor.Name);
                }

                AddDrainOnShutdown(system, node, router, pipeline.DrainTimeout);
                var runningSinks = await SinksHosting.StartSinksAsync(system, registry, router, sinks, node, pipeline);
                AlertsHosting.StartAlerts(system, registry, alerts, node);
                ActionsHosting.StartActions(system, registry, actions, node);
                if (afterBind is not null && cluster.Has(ClusterSettings.IngestRole))
                {
                    await IngestHosting.StartListenersAsync(system, registry, listeners, node);
                }

                afterBind?.Invoke();
                try
                {
                    // Listening already: a top level blocked in a C call delays the rules only, so it is waited for (and reported while it lasts).
                    scripts ??= await Task.Run(() => RulesHosting.LoadScripts(rulesSettings, rules, node, stillLoading: (rule, waited) =>
                        system.Log.Warning("rule '{0}': {1} is still loading after {2:0} s; messages are queued (and counted if dropped) until it has", rule.Name, rule.ScriptPath, waited.TotalSeconds)));
                }
                catch (StartupException e)
                {
                    failure.Report(e);
                    return;
                }

                var runningRules = await RulesHosting.StartRulesAsync(system, registry, scripts, rules, node, rulesSettings, distributedRules, pipeline);
                ProbesHosting.StartProbes(system, registry, probes, node);
                if (reread is not null)
                {
                    var reloader = system.ActorOf(ConfigReloadActor.Props(reread, config, new LiveStages(system, registry, node, runningSinks, runningRules)), "config-reload");

                    // Here rather than in its PreStart, which runs later: a reload asked for as soon as the node is up is not missed.
                    system.EventStream.Subscribe(reloader, typeof(ReloadRequested));
                }

                if (afterBind is null && cluster.Has(ClusterSettings.IngestRole))
                {
                    await IngestHosting.StartListenersAsync(system, registry, listeners, node);
                }

                router.Tell(ConsumersReady.Instance);
            });
        });
        services.AddHttpEndpoint(settings, node);
        return services;
    }

    /// <summary>
    /// Shutdown gets <c>drain-timeout</c> in all, from the moment it begins: rules' <c>cleanup()</c> while the
    /// listeners unbind (RulesHosting waits at most that long), then, with what is left of it, closing the queue and
    /// waiting until the router has handed everything to the consumers and each acknowledged it; sinks flush when
    /// the actor system stops them. What is still queued or unacknowledged then (a rule stuck in a loop) is counted
    /// as dropped (reason shutdown), logged, and part of the summary logged at stop.
    /// </summary>
    /// <remarks>
    /// On a cluster node SIGTERM is a graceful leave, in Akka's phase order: listeners unbind (service-unbind), the
    /// queue drains (service-requests-done), then sharding hands this node's buckets off
    /// (cluster-sharding-shutdown-region), then the node leaves and its singletons move (cluster-leave,
    /// cluster-exiting). Draining first is what loses nothing: the drain's consumers include forwarders that send
    /// batches to sharded rule buckets through this node's shard region, and a region that has shut down drops
    /// what it is sent (dead letters); a batch for a bucket hosted here reaches the entity's mailbox before the
    /// hand-off's stop message, so it is counted in the state the bucket hands over, and alerts the drained messages
    /// raise still find the alert singleton. Leaving first would need a second drain after it, with nowhere to send.
    /// </remarks>
    private static void AddDrainOnShutdown(ActorSystem system, NodeServices node, IActorRef router, TimeSpan drainTimeout)
    {
        var shutdown = CoordinatedShutdown.Get(system);
        var began = Stopwatch.StartNew();
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "start-drain-clock", () =>
        {
            began.Restart();
            return Task.FromResult(Akka.Done.Instance);
        });
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "drain-ingest-queue", async () =>
        {
            node.Queue.Close();
            var left = drainTimeout - began.Elapsed;
            var drained = await router.Ask<Drained>(new Drain(left > TimeSpan.Zero ? left : TimeSpan.Zero), drainTimeout + TimeSpan.FromSeconds(1));
            if (drained.Dropped > 0)
            {
                system.Log.Warning(
                    "shutdown: {0} messages were not delivered within drain-timeout {1} and are dropped (reason shutdown); counters: {2}",
                    drained.Dropped,
                    drainTimeout,
                    node.Metrics.Summary());
            }

            return Akka.Done.Instance;
        });
    }

    /// <summary><c>syslogintr.memory.trim-when-idle</c>: how often <see cref="IdleMemoryTrimActor"/> looks; zero, never.</summary>
    internal static TimeSpan TrimWhenIdle(SettingsReader settings) =>
        settings.Duration("syslogintr.memory.trim-when-idle", TimeSpan.Zero, TimeSpan.FromDays(1));

    /// <summary>
    /// Coordinated shutdown's own phase timeouts (5 s by default) must not cut the drain short, and stopping the
    /// actors must not wait long for one stuck in a loop: the whole stop stays within drain-timeout plus a margin.
    /// </summary>
    private static Config ShutdownPhases(TimeSpan drainTimeout) => ConfigurationFactory.ParseString($$"""
        akka.coordinated-shutdown.phases {
          before-service-unbind.timeout = 1s
          service-unbind.timeout = {{(long)(drainTimeout + TimeSpan.FromSeconds(1)).TotalMilliseconds}}ms
          service-requests-done.timeout = {{(long)(drainTimeout + TimeSpan.FromSeconds(2)).TotalMilliseconds}}ms
          actor-system-terminate.timeout = {{(long)ShutdownMargin.TotalMilliseconds}}ms
        }
        """);
}

/// <summary>The <c>syslogintr.pipeline</c> section; a value that cannot work (a queue of 0) stops the node at start.</summary>
public sealed record PipelineSettings(int QueueSize, int BatchSize, int MaxMessagesInFlight, TimeSpan DrainTimeout, TimeSpan MaxBackpressure, long MaxBytesInFlight, long QueueMaxBytes)
{
    private const string Section = "syslogintr.pipeline.";

    public static PipelineSettings From(SettingsReader settings) => new(
        settings.Int(Section + "queue-size", 1, 10_000_000),
        settings.Int(Section + "batch-size", 1, 1_000_000),
        settings.Int(Section + "max-messages-in-flight", 1, int.MaxValue),
        settings.Duration(Section + "drain-timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)),
        settings.Duration(Section + "max-backpressure", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1)),
        settings.Bytes(Section + "max-bytes-in-flight", 64 * 1024, long.MaxValue),
        settings.Bytes(Section + "queue-max-bytes", 64 * 1024, long.MaxValue));
}
