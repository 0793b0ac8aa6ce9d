using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;

namespace Syslogintr.Rules.Distributed;

/// <summary>
/// Where a bucket's snapshot waits between its hand-off and its restore: one LWW register per (rule, bucket) in
/// DistributedData (per bucket, so one bucket's hand-off replicates its own value only). Written with a majority
/// before the old owner stops, read with a majority by the new one (the local replica if no majority answers in
/// time), then cleared (an empty value: a deleted DistributedData key could never be used again), so a bucket
/// restarted after a crash does not pick up a stale state.
/// </summary>
public sealed class RuleSnapshotStore(IActorRef replicator, UniqueAddress self, TimeSpan timeout)
{
    public static RuleSnapshotStore For(ActorSystem system) =>
        new(DistributedData.Get(system).Replicator, Akka.Cluster.Cluster.Get(system).SelfUniqueAddress, DistributedRuleSettings.SnapshotTimeout);

    public static LWWRegisterKey<RuleSnapshot> Key(string rule, int bucket) => new($"rule-snapshot/{rule}/{bucket}");

    /// <summary>The snapshot handed over for this bucket, or null when there is none.</summary>
    public async Task<byte[]?> ReadAsync(LWWRegisterKey<RuleSnapshot> key)
    {
        var response = await replicator.Ask<IGetResponse>(Dsl.Get(key, new ReadMajority(timeout)), timeout * 2);
        if (response is GetFailure)
        {
            response = await replicator.Ask<IGetResponse>(Dsl.Get(key, ReadLocal.Instance), timeout);
        }

        return response is GetSuccess success && success.Get(key).Value is { State.Length: > 0 } snapshot ? snapshot.State : null;
    }

    /// <summary>Stores <paramref name="state"/>; false when no majority confirmed it in time (it still spreads by gossip).</summary>
    public async Task<bool> WriteAsync(LWWRegisterKey<RuleSnapshot> key, RuleSnapshot state)
    {
        // WithValue stamps max(now, previous + 1): this write wins over whatever this replica holds.
        var update = Dsl.Update(key, new LWWRegister<RuleSnapshot>(self, RuleSnapshot.None), new WriteMajority(timeout), r => r.WithValue(self, state));
        return await replicator.Ask<IUpdateResponse>(update, timeout * 2) is UpdateSuccess;
    }
}
