using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Syslogintr.Actions;

namespace Syslogintr.Tests.Actions;

/// <summary>The replicated ban list's modify functions and how their results merge, without a cluster: three replicas are three values.</summary>
public sealed class ReplicatedBansTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 18, 0, 0, TimeSpan.Zero);
    private static readonly UniqueAddress A = Node(1);
    private static readonly UniqueAddress B = Node(2);
    private static readonly LWWDictionary<string, BanEntry> Empty = LWWDictionary<string, BanEntry>.Empty;

    [Fact]
    public void Two_nodes_banning_one_target_at_once_merge_into_one_entry_the_longer_ban_whatever_the_order()
    {
        var shorter = Entry("192.0.2.9", T0.AddMinutes(10), "a");
        var longer = Entry("192.0.2.9", T0.AddMinutes(20), "b");
        var onA = ReplicatedBans.Upsert(Empty, A, [shorter]);
        var onB = ReplicatedBans.Upsert(Empty, B, [longer]);

        Assert.Equal(longer, Assert.Single(onA.Merge(onB).Values));
        Assert.Equal(longer, Assert.Single(onB.Merge(onA).Values));
    }

    [Fact]
    public void A_shorter_ban_does_not_replace_a_longer_one_held_already()
    {
        var longer = Entry("192.0.2.9", T0.AddMinutes(20), "b");
        var bans = ReplicatedBans.Upsert(ReplicatedBans.Upsert(Empty, B, [longer]), A, [Entry("192.0.2.9", T0.AddMinutes(10), "a")]);

        Assert.Equal(longer, Assert.Single(bans.Values));
    }

    [Fact]
    public void An_expired_entry_removed_on_one_node_does_not_come_back_from_a_replica_that_still_holds_it()
    {
        var entry = Entry("192.0.2.7", T0.AddMinutes(10), "a");
        var onA = ReplicatedBans.Upsert(Empty, A, [entry]);
        var onB = Empty.Merge(onA);

        Assert.False(ReplicatedBans.HasExpired(onA.Values, T0.AddMinutes(9)));
        Assert.Same(onA, ReplicatedBans.RemoveExpired(onA, A, T0.AddMinutes(9)));
        Assert.True(ReplicatedBans.HasExpired(onA.Values, T0.AddMinutes(10)));
        var removed = ReplicatedBans.RemoveExpired(onA, A, T0.AddMinutes(10));

        Assert.Empty(removed.Merge(onB).Values);
        Assert.Empty(onB.Merge(removed).Values);
        // Both remove it (each node removes what it sees expire): still one clean removal.
        Assert.Empty(ReplicatedBans.RemoveExpired(onB, B, T0.AddMinutes(10)).Merge(removed).Values);
    }

    [Fact]
    public void A_new_ban_of_a_target_whose_old_ban_a_peer_removes_concurrently_survives()
    {
        var old = Entry("192.0.2.7", T0.AddMinutes(10), "a");
        var shared = ReplicatedBans.Upsert(Empty, A, [old]);
        var renewed = Entry("192.0.2.7", T0.AddMinutes(40), "b");
        var onA = ReplicatedBans.Upsert(shared, A, [renewed]);
        var onB = ReplicatedBans.RemoveExpired(shared, B, T0.AddMinutes(10));

        Assert.Equal(renewed, Assert.Single(onA.Merge(onB).Values));
        Assert.Equal(renewed, Assert.Single(onB.Merge(onA).Values));
    }

    private static BanEntry Entry(string target, DateTimeOffset until, string by) => new(target, until, "5 failures", "sshblock", by, T0);

    private static UniqueAddress Node(int i) => new(new Address("akka.tcp", "syslogintr", "127.0.0.1", 4000 + i), i);
}
