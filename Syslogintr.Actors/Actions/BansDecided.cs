using Syslogintr.Cluster.Wire;

namespace Syslogintr.Actions;

/// <summary>
/// A node's ban actor decided these bans and tells every other member's ban actor directly: the fast path, one
/// remoting hop. The replicated ban list (<see cref="ReplicatedBans"/>) carries the same entries and stays the
/// durable, converging source; a node that gets both applies each ban once (<see cref="BanList.Merge"/>).
/// </summary>
public sealed record BansDecided(IReadOnlyList<BanEntry> Entries) : IClusterMessage
{
    public static readonly WireCodec<BansDecided> Codec = new(
        "bans-decided",
        (w, d) =>
        {
            w.Write(d.Entries.Count);
            foreach (var entry in d.Entries)
            {
                BanEntry.Codec.Write(w, entry);
            }
        },
        r => new BansDecided([.. Enumerable.Range(0, r.ReadInt32()).Select(_ => (BanEntry)BanEntry.Codec.Read(r))]));
}
