using Syslogintr.Cluster.Wire;

namespace Syslogintr.Cluster;

/// <summary><c>syslogintr cluster status</c> asks a node's <see cref="ClusterStatusActor"/> for a <see cref="ClusterStatusReport"/>.</summary>
public sealed record ClusterStatusRequest : IClusterMessage
{
    public static readonly ClusterStatusRequest Instance = new();

    public static WireCodec Codec { get; } = new WireCodec<ClusterStatusRequest>("cs-req", (_, _) => { }, _ => Instance);
}

/// <summary>One status actor asks every member's for what its own failure detector sees (<see cref="ReachabilityView"/>).</summary>
public sealed record ReachabilityQuery : IClusterMessage
{
    public static readonly ReachabilityQuery Instance = new();

    public static WireCodec Codec { get; } = new WireCodec<ReachabilityQuery>("cs-reach?", (_, _) => { }, _ => Instance);
}

/// <summary>The members <paramref name="Observer"/>'s own failure detector considers unreachable now.</summary>
public sealed record ReachabilityView(string Observer, IReadOnlyList<string> Unreachable) : IClusterMessage
{
    public static WireCodec Codec { get; } = new WireCodec<ReachabilityView>(
        "cs-reach",
        (w, v) =>
        {
            w.Write(v.Observer);
            WireLists.Write(w, v.Unreachable, w.Write);
        },
        r => new ReachabilityView(r.ReadString(), WireLists.Read(r, r.ReadString)));

    public bool Equals(ReachabilityView? other) =>
        other is not null && Observer == other.Observer && Unreachable.SequenceEqual(other.Unreachable);

    public override int GetHashCode() => HashCode.Combine(Observer, Unreachable.Count);
}

/// <summary>
/// A member as the asked node sees it; <paramref name="Roles"/> comma-separated, sorted; <paramref name="Age"/> 1 for
/// the oldest (the member that became Up first: Akka's up-number order, which decides where singletons run).
/// </summary>
public sealed record MemberLine(string Address, string Status, string Roles, int Age);

/// <summary>Where the singletons of <paramref name="Role"/> run: the oldest Up (or still Leaving) member carrying it; null when none does.</summary>
public sealed record SingletonLine(string Role, string? Address);

/// <summary>How many shards (buckets) and entities of sharded type <paramref name="TypeName"/> live on <paramref name="Address"/>.</summary>
public sealed record BucketLine(string TypeName, string Address, int Shards, int Entities);

/// <summary>
/// What <c>cluster status</c> prints: the asked node's membership view, every member's own reachability view
/// (<paramref name="Silent"/>: members that did not answer in time), the singletons' placement, the buckets'
/// spread, and what could not be learnt (<paramref name="Problems"/>).
/// </summary>
public sealed record ClusterStatusReport(
    string Node,
    string? Leader,
    IReadOnlyList<MemberLine> Members,
    IReadOnlyList<ReachabilityView> Reachability,
    IReadOnlyList<string> Silent,
    IReadOnlyList<SingletonLine> Singletons,
    IReadOnlyList<BucketLine> Buckets,
    IReadOnlyList<string> Problems) : IClusterMessage
{
    public static WireCodec Codec { get; } = new WireCodec<ClusterStatusReport>("cs-report", Write, Read);

    public bool Equals(ClusterStatusReport? other) =>
        other is not null && Node == other.Node && Leader == other.Leader && Members.SequenceEqual(other.Members)
        && Reachability.SequenceEqual(other.Reachability) && Silent.SequenceEqual(other.Silent)
        && Singletons.SequenceEqual(other.Singletons) && Buckets.SequenceEqual(other.Buckets) && Problems.SequenceEqual(other.Problems);

    public override int GetHashCode() => HashCode.Combine(Node, Leader, Members.Count, Buckets.Count);

    private static void Write(BinaryWriter w, ClusterStatusReport report)
    {
        w.Write(report.Node);
        MessageCodec.WriteOptional(w, report.Leader);
        WireLists.Write(w, report.Members, m =>
        {
            w.Write(m.Address);
            w.Write(m.Status);
            w.Write(m.Roles);
            w.Write(m.Age);
        });
        WireLists.Write(w, report.Reachability, v => ReachabilityView.Codec.Write(w, v));
        WireLists.Write(w, report.Silent, w.Write);
        WireLists.Write(w, report.Singletons, s =>
        {
            w.Write(s.Role);
            MessageCodec.WriteOptional(w, s.Address);
        });
        WireLists.Write(w, report.Buckets, b =>
        {
            w.Write(b.TypeName);
            w.Write(b.Address);
            w.Write(b.Shards);
            w.Write(b.Entities);
        });
        WireLists.Write(w, report.Problems, w.Write);
    }

    private static ClusterStatusReport Read(BinaryReader r) => new(
        r.ReadString(),
        MessageCodec.ReadOptional(r),
        WireLists.Read(r, () => new MemberLine(r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt32())),
        WireLists.Read(r, () => (ReachabilityView)ReachabilityView.Codec.Read(r)),
        WireLists.Read(r, r.ReadString),
        WireLists.Read(r, () => new SingletonLine(r.ReadString(), MessageCodec.ReadOptional(r))),
        WireLists.Read(r, () => new BucketLine(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadInt32())),
        WireLists.Read(r, r.ReadString));
}

/// <summary>A list on the wire: its count, then each item.</summary>
internal static class WireLists
{
    public static void Write<T>(BinaryWriter w, IReadOnlyList<T> items, Action<T> write)
    {
        w.Write(items.Count);
        foreach (var item in items)
        {
            write(item);
        }
    }

    public static T[] Read<T>(BinaryReader r, Func<T> read)
    {
        var items = new T[r.ReadInt32()];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = read();
        }

        return items;
    }
}
