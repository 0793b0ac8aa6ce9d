using System.Collections.Frozen;
using System.Runtime.Serialization;

namespace Syslogintr.Cluster.Wire;

/// <summary>Every codec of the wire format, by type and by manifest. A type that crosses nodes adds its codec here.</summary>
public static class WireCodecs
{
    public static readonly IReadOnlyList<WireCodec> All =
    [
        Actions.BanEntry.Codec,
        Actions.BansDecided.Codec,
        ClusterStatusRequest.Codec,
        ReachabilityQuery.Codec,
        ReachabilityView.Codec,
        ClusterStatusReport.Codec,
        .. Alerts.Replication.AlertWire.Codecs,
        Rules.Distributed.RuleBatch.Codec,
        Rules.Distributed.RuleBatchDone.Codec,
        Rules.Distributed.RuleSnapshot.Codec,
    ];

    private static readonly FrozenDictionary<Type, WireCodec> ByType = All.ToFrozenDictionary(c => c.Type);
    private static readonly FrozenDictionary<string, WireCodec> ByManifest = All.ToFrozenDictionary(c => c.Manifest);

    public static WireCodec For(Type type) => ByType.TryGetValue(type, out var codec)
        ? codec
        : throw new SerializationException($"{type} is marked IClusterMessage but has no codec in WireCodecs");

    public static WireCodec For(string manifest) => ByManifest.TryGetValue(manifest, out var codec)
        ? codec
        : throw new SerializationException($"no codec for manifest '{manifest}' (a node of another version?)");
}
