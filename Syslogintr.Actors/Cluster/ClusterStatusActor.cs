using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Syslogintr.Metrics;

namespace Syslogintr.Cluster;

/// <summary>
/// <c>/user/cluster-status</c> on every cluster node: answers <c>syslogintr cluster status</c> with a
/// <see cref="ClusterStatusReport"/> and keeps the node's <see cref="ClusterGauges"/> current. Membership comes from
/// cluster events (so the gauges and the report agree); who sees whom unreachable comes from asking every member's
/// status actor what its own failure detector says, because Akka keeps the per-observer reachability table internal.
/// The buckets hosted here are counted when the metrics are read (<see cref="CountBucketsHostedAsync"/>), not polled:
/// buckets move on rebalance and hand-off, which raise no event, and an idle node runs no timer of ours for them.
/// </summary>
public sealed class ClusterStatusActor : ReceiveActor
{
    public const string Name = "cluster-status";

    /// <summary>How long a member may take to say what it sees; a stopped or partitioned one is listed as silent.</summary>
    public static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How long the shard coordinator may take to collect every region's statistics.</summary>
    public static readonly TimeSpan ShardStatsTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long each shard region may take to say how many buckets it hosts; one that does not keeps its last count.</summary>
    public static readonly TimeSpan BucketCountTimeout = TimeSpan.FromSeconds(2);

    private readonly Akka.Cluster.Cluster cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ClusterGauges gauges;
    private ImmutableDictionary<Address, Member> members = ImmutableDictionary<Address, Member>.Empty;
    private ImmutableHashSet<Address> unreachable = [];
    private Address? leader;

    public ClusterStatusActor(ClusterGauges gauges)
    {
        this.gauges = gauges;
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            // Not SetItem: a Member equals its older self (same unique address), so SetItem would keep the old status.
            members = members.Remove(e.Member.Address);
            members = e is ClusterEvent.MemberRemoved ? members : members.Add(e.Member.Address, e.Member);
            unreachable = e is ClusterEvent.MemberRemoved ? unreachable.Remove(e.Member.Address) : unreachable;
            Publish();
        });
        Receive<ClusterEvent.UnreachableMember>(e =>
        {
            unreachable = unreachable.Add(e.Member.Address);
            Publish();
        });
        Receive<ClusterEvent.ReachableMember>(e =>
        {
            unreachable = unreachable.Remove(e.Member.Address);
            Publish();
        });
        Receive<ClusterEvent.LeaderChanged>(e =>
        {
            leader = e.Leader;
            Publish();
        });
        Receive<ReachabilityQuery>(_ => Sender.Tell(OwnView()));
        Receive<ClusterStatusRequest>(_ => ReportAsync().PipeTo(Sender));
        Receive<CountBuckets>(_ => CountBucketsHereAsync().PipeTo(Self, Sender));
        Receive<BucketsCounted>(counted =>
        {
            foreach (var (typeName, shards) in counted.Shards)
            {
                gauges.SetBucketsHosted(typeName, shards);
            }

            Sender.Tell(counted);
        });
    }

    /// <summary>The status actor of a cluster node, to be started as <see cref="Name"/> under /user.</summary>
    public static Props Props(ClusterGauges gauges) => Akka.Actor.Props.Create(() => new ClusterStatusActor(gauges));

    /// <summary>
    /// Has <paramref name="system"/>'s status actor count the buckets each sharded type has here into the gauges, and
    /// waits for it (a metrics scrape does this first). Past the timeout the gauges keep their last counts.
    /// </summary>
    public static async Task CountBucketsHostedAsync(ActorSystem system)
    {
        try
        {
            await system.ActorSelection($"/user/{Name}").Ask<BucketsCounted>(CountBuckets.Instance, BucketCountTimeout + PeerTimeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            // The status actor is gone (the node stops) or busy: the scrape shows the last counts.
        }
    }

    protected override void PreStart()
    {
        cluster.Subscribe(
            Self,
            ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent),
            typeof(ClusterEvent.IReachabilityEvent),
            typeof(ClusterEvent.LeaderChanged));
    }

    protected override void PostStop() => cluster.Unsubscribe(Self);

    private void Publish() => gauges.SetMembership(
        members.Values.Count(m => m.Status == MemberStatus.Up),
        unreachable.Count,
        leader is not null && leader.Equals(cluster.SelfAddress));

    private ReachabilityView OwnView() => new(
        cluster.SelfAddress.ToString(),
        [.. members.Keys.Where(a => !a.Equals(cluster.SelfAddress) && !cluster.FailureDetector.IsAvailable(a)).Select(a => a.ToString()).Order(StringComparer.Ordinal)]);

    /// <summary>Asks every shard region on this node what it hosts; runs outside the actor (it touches no actor state).</summary>
    private Task<BucketsCounted> CountBucketsHereAsync()
    {
        var sharding = ClusterSharding.Get(Context.System);
        var regions = sharding.ShardTypeNames.Select(t => (TypeName: t, Region: sharding.ShardRegion(t))).ToList();
        return CountAsync();

        async Task<BucketsCounted> CountAsync()
        {
            var counts = await Task.WhenAll(regions.Select(async r =>
            {
                try
                {
                    var state = await r.Region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, BucketCountTimeout);
                    return (r.TypeName, Shards: (int?)state.Shards.Count);
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    return (r.TypeName, Shards: null);
                }
            }));
            return new BucketsCounted([.. counts.Where(c => c.Shards is not null).Select(c => (c.TypeName, c.Shards!.Value))]);
        }
    }

    /// <summary>Gathers the report; runs outside the actor (no actor state is touched after the snapshot below).</summary>
    private Task<ClusterStatusReport> ReportAsync()
    {
        // Oldest first: Akka's age ordering is by up-number (the order members became Up), which it keeps internal.
        var snapshot = members.Values.OrderBy(m => m, Member.AgeOrdering).ToList();
        var self = cluster.SelfAddress.ToString();
        var currentLeader = leader?.ToString();
        var peers = snapshot.Select(m => (m.Address, Selection: Context.ActorSelection(new RootActorPath(m.Address) / "user" / Name))).ToList();
        var sharding = ClusterSharding.Get(Context.System);
        var regions = sharding.ShardTypeNames.Order(StringComparer.Ordinal).Select(t => (TypeName: t, Region: sharding.ShardRegion(t))).ToList();
        return GatherAsync();

        async Task<ClusterStatusReport> GatherAsync()
        {
            var views = await Task.WhenAll(peers.Select(async p =>
            {
                try
                {
                    return (p.Address, View: await p.Selection.Ask<ReachabilityView>(ReachabilityQuery.Instance, PeerTimeout));
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    return (p.Address, View: (ReachabilityView?)null);
                }
            }));
            var problems = new List<string>();
            var buckets = new List<BucketLine>();
            foreach (var (typeName, region) in regions)
            {
                try
                {
                    var stats = await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(ShardStatsTimeout), ShardStatsTimeout + PeerTimeout);
                    buckets.AddRange(stats.Regions.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal).Select(r =>
                        new BucketLine(typeName, r.Key.ToString(), r.Value.Stats.Count, r.Value.Stats.Values.Sum())));
                    problems.AddRange(stats.Regions.Where(r => r.Value.Failed.Count > 0).Select(r =>
                        $"{typeName}: {r.Value.Failed.Count} shard(s) on {r.Key} did not answer"));
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    problems.Add($"{typeName}: the shard coordinator did not answer within {ShardStatsTimeout.TotalSeconds:0}s");
                }
            }

            return new ClusterStatusReport(
                self,
                currentLeader,
                [.. snapshot.Select((m, age) => new MemberLine(m.Address.ToString(), m.Status.ToString(), string.Join(',', m.Roles.Order(StringComparer.Ordinal)), age + 1))],
                [.. views.Where(v => v.View is not null).Select(v => v.View!)],
                [.. views.Where(v => v.View is null).Select(v => v.Address.ToString())],
                [.. new[] { ClusterSettings.OpsRole, ClusterSettings.RulesRole }.Select(role => new SingletonLine(role, Oldest(snapshot, role)?.Address.ToString()))],
                buckets,
                problems);
        }
    }

    /// <summary>
    /// Where a singleton of <paramref name="role"/> runs: ClusterSingletonManager puts it on the oldest member with
    /// the role (lowest up-number); a Leaving member still holds it until it has handed it over.
    /// </summary>
    private static Member? Oldest(IEnumerable<Member> byAge, string role) =>
        byAge.FirstOrDefault(m => m.HasRole(role) && m.Status is MemberStatus.Up or MemberStatus.Leaving);

    private sealed record CountBuckets
    {
        public static readonly CountBuckets Instance = new();
    }

    /// <summary>Shards hosted here per sharded type; a type whose region did not answer is left out.</summary>
    private sealed record BucketsCounted(IReadOnlyList<(string TypeName, int Shards)> Shards);
}
