using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Syslogintr.Metrics;

/// <summary>
/// This node's view of its cluster, as gauges: written by the cluster status actor from membership events, and from
/// a count of the shard buckets hosted here made when the metrics are scraped; all zero on a node with the cluster
/// disabled.
/// </summary>
public sealed class ClusterGauges
{
    private readonly ConcurrentDictionary<string, long> bucketsHosted = new();
    private long membersUp;
    private long unreachable;
    private long isLeader;

    public long MembersUp => Volatile.Read(ref membersUp);

    /// <summary>Members some member cannot reach (the cluster's aggregated reachability, as gossiped).</summary>
    public long Unreachable => Volatile.Read(ref unreachable);

    public bool IsLeader => Volatile.Read(ref isLeader) == 1;

    /// <summary>Shards (buckets) of each sharded type that live on this node.</summary>
    public IReadOnlyDictionary<string, long> BucketsHosted => bucketsHosted.ToDictionary();

    public void SetMembership(int up, int unreachableMembers, bool leader)
    {
        Volatile.Write(ref membersUp, up);
        Volatile.Write(ref unreachable, unreachableMembers);
        Volatile.Write(ref isLeader, leader ? 1 : 0);
    }

    public void SetBucketsHosted(string typeName, int shards) => bucketsHosted[typeName] = shards;

    /// <summary>Publishes the gauges on <paramref name="meter"/> as <c>syslogintr.cluster.*</c>.</summary>
    public void Observe(Meter meter)
    {
        meter.CreateObservableGauge("syslogintr.cluster.members_up", () => MembersUp, "{member}");
        meter.CreateObservableGauge("syslogintr.cluster.unreachable", () => Unreachable, "{member}");
        meter.CreateObservableGauge("syslogintr.cluster.is_leader", () => IsLeader ? 1 : 0, "{bool}");
        meter.CreateObservableGauge(
            "syslogintr.cluster.buckets_hosted",
            () => bucketsHosted.Select(b => new Measurement<long>(b.Value, new KeyValuePair<string, object?>("type", b.Key))),
            "{shard}");
    }
}
