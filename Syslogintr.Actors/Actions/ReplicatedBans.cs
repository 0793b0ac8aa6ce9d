using Akka.Cluster;
using Akka.DistributedData;

namespace Syslogintr.Actions;

/// <summary>
/// The cluster's ban list in Distributed Data: one <see cref="LWWDictionary{TKey,TValue}"/> target → <see cref="BanEntry"/>
/// under <see cref="Key"/>. These are the replicator's modify functions: pure, so they are tested without a cluster.
/// </summary>
public static class ReplicatedBans
{
    public static readonly LWWDictionaryKey<string, BanEntry> Key = new("syslogintr-bans");

    /// <summary>Adds each entry unless the list holds the target for as long or longer; the register's clock is the expiry, so the longer ban also wins every merge.</summary>
    public static LWWDictionary<string, BanEntry> Upsert(LWWDictionary<string, BanEntry> bans, UniqueAddress node, IEnumerable<BanEntry> entries)
    {
        foreach (var entry in entries)
        {
            if (!bans.TryGetValue(entry.Target, out var held) || held.Until < entry.Until)
            {
                bans = bans.SetItem(node, entry.Target, entry, (_, value) => BanEntry.Timestamp(value));
            }
        }

        return bans;
    }

    /// <summary>True when some entry's time is up at <paramref name="now"/> and <see cref="RemoveExpired"/> has work.</summary>
    public static bool HasExpired(IEnumerable<BanEntry> bans, DateTimeOffset now) => bans.Any(e => e.Until <= now);

    /// <summary>
    /// Removes the entries whose time is up. Every node does this for what it sees expire: removes of one key by
    /// several nodes merge into one, and a removal is observed-remove, so it never deletes a newer ban of the target
    /// it has not seen, and a replica that has not heard of it cannot bring the old entry back by gossip.
    /// </summary>
    public static LWWDictionary<string, BanEntry> RemoveExpired(LWWDictionary<string, BanEntry> bans, UniqueAddress node, DateTimeOffset now)
    {
        foreach (var (target, entry) in bans.Entries)
        {
            if (entry.Until <= now)
            {
                bans = bans.Remove(node, target);
            }
        }

        return bans;
    }
}
