using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using Syslogintr.Cluster;
using Syslogintr.Hosting;
using Syslogintr.Pipeline;

namespace Syslogintr.Rules.Distributed;

/// <summary>
/// Starts the cluster form of partitioned and singleton rules: per rule a shard region <c>rule-NAME</c> (hosting
/// buckets on <c>rules</c> nodes, a proxy on the other <c>ingest</c> nodes) and, on <c>ingest</c> nodes, the rule's
/// forwarder subscribed to the router. Sharding is started from the node's starter with
/// <see cref="ClusterSharding.StartAsync(string, Func{string, Props}, ClusterShardingSettings, IMessageExtractor, IShardAllocationStrategy, object)"/>
/// rather than Akka.Cluster.Hosting's <c>WithShardRegion</c>: the type names are per rule (WithShardRegion keys a
/// region by a compile-time type), and a bucket's actions go to the action actors that same starter registers
/// earlier; returning only once every region and forwarder is up keeps listeners closed until then.
/// </summary>
public static class DistributedRulesHosting
{
    /// <summary>True when the rule runs as local workers here: every rule of a node whose cluster is disabled, and local rules.</summary>
    public static bool RunsLocally(RuleDefinition rule, ClusterSettings cluster) => !cluster.Enabled || rule.Distribution == RuleDistribution.Local;

    /// <summary>Sharding's name of the rule's entity type.</summary>
    public static string TypeName(RuleDefinition rule) => $"rule-{rule.Name}";

    public static async Task StartAsync(
        ActorSystem system,
        IReadOnlyActorRegistry registry,
        IReadOnlyList<RuleDefinition> rules,
        NodeServices node,
        RulesSettings rulesSettings,
        DistributedRuleSettings settings,
        PipelineSettings pipeline)
    {
        var cluster = node.Cluster;
        var hosts = cluster.Has(ClusterSettings.RulesRole);
        var ingests = cluster.Has(ClusterSettings.IngestRole);
        var distributed = rules.Where(r => !RunsLocally(r, cluster)).ToList();
        if (distributed.Count == 0 || !(hosts || ingests))
        {
            return;
        }

        var sharding = ClusterSharding.Get(system);
        var actions = ActionTargets.From(registry);
        var store = RuleSnapshotStore.For(system);
        var router = registry.Get<RouterKey>();
        foreach (var rule in distributed)
        {
            IActorRef region;
            if (hosts)
            {
                var shardingSettings = ClusterShardingSettings.Create(system).WithRole(ClusterSettings.RulesRole);
                region = await sharding.StartAsync(
                    TypeName(rule),
                    id => RulesHosting.Supervised(
                        RuleBucketActor.Props(rule, int.Parse(id, System.Globalization.CultureInfo.InvariantCulture), node, actions, rulesSettings.MaxConsecutiveErrors, store),
                        rule,
                        HandOffBucket.Instance),
                    shardingSettings,
                    RuleBucketExtractor.Instance,
                    sharding.DefaultShardAllocationStrategy(shardingSettings),
                    HandOffBucket.Instance);
            }
            else
            {
                region = await sharding.StartProxyAsync(TypeName(rule), ClusterSettings.RulesRole, RuleBucketExtractor.Instance);
            }

            if (ingests)
            {
                var forwarder = system.ActorOf(
                    RuleForwarderActor.Props(rule, region, node.Metrics.Forwarded(rule.Name), node.Clock, settings),
                    $"rule-{rule.Name}");
                await router.Ask<Subscribed>(
                    // The name a local worker of the rule would have: its counters read the same either way.
                    new Subscribe(RuleWorkerActor.ConsumerName(rule, 0), forwarder, rule.Match, pipeline.MaxMessagesInFlight, OnLag.Drop),
                    rulesSettings.StartupTimeout);
            }

            system.Log.Info(
                "rule {0}: {1}, {2} bucket(s) by {3}{4}",
                rule.Name,
                RuleDistributions.Name(rule.Distribution),
                rule.Buckets,
                rule.PartitionBy,
                hosts ? ", hosted here among the rules nodes" : ", hosted on the rules nodes");
        }
    }
}
