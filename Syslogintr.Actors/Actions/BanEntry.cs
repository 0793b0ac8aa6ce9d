using Syslogintr.Cluster.Wire;

namespace Syslogintr.Actions;

/// <summary>
/// One ban in the cluster's replicated ban list (keyed by <paramref name="Target"/>, the canonical address or
/// network): until when, why, and which node decided it when (<paramref name="DecidedAt"/> is that node's clock; a
/// node that applies it measures its propagation latency from it).
/// </summary>
public sealed record BanEntry(string Target, DateTimeOffset Until, string Reason, string Rule, string DecidedBy, DateTimeOffset DecidedAt) : IClusterMessage
{
    /// <summary>The last-writer-wins clock of an entry: its expiry, so of two bans of one target the longer wins wherever they meet.</summary>
    public static long Timestamp(BanEntry entry) => entry.Until.ToUnixTimeMilliseconds();

    public static readonly WireCodec<BanEntry> Codec = new(
        "ban-entry",
        (w, e) =>
        {
            w.Write(e.Target);
            MessageCodec.WriteTime(w, e.Until);
            w.Write(e.Reason);
            w.Write(e.Rule);
            w.Write(e.DecidedBy);
            MessageCodec.WriteTime(w, e.DecidedAt);
        },
        r => new BanEntry(r.ReadString(), MessageCodec.ReadTime(r), r.ReadString(), r.ReadString(), r.ReadString(), MessageCodec.ReadTime(r)));
}
