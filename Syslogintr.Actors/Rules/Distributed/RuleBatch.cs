using Syslogintr.Cluster.Wire;
using Syslogintr.Ingest;

namespace Syslogintr.Rules.Distributed;

/// <summary>
/// One node's share of a routed batch for one bucket of a partitioned or singleton rule, sent through the rule's
/// shard region to the bucket wherever it runs. The bucket answers <see cref="RuleBatchDone"/> to the sender (the
/// forwarder that counts its credit); <paramref name="Sequence"/> tells the forwarder which batch was handled.
/// </summary>
public sealed record RuleBatch(int Bucket, long Sequence, IReadOnlyList<SyslogMessage> Messages) : IClusterMessage
{
    public static readonly WireCodec<RuleBatch> Codec = new(
        "rule-batch",
        (w, b) =>
        {
            w.Write(b.Bucket);
            w.Write(b.Sequence);
            MessageCodec.WriteMessages(w, b.Messages);
        },
        r => new RuleBatch(r.ReadInt32(), r.ReadInt64(), MessageCodec.ReadMessages(r)));
}

/// <summary>A bucket ran <c>log</c> over every message of the <see cref="RuleBatch"/> numbered <paramref name="Sequence"/>.</summary>
public sealed record RuleBatchDone(int Bucket, long Sequence) : IClusterMessage
{
    public static readonly WireCodec<RuleBatchDone> Codec = new(
        "rule-batch-done",
        (w, d) =>
        {
            w.Write(d.Bucket);
            w.Write(d.Sequence);
        },
        r => new RuleBatchDone(r.ReadInt32(), r.ReadInt64()));
}

/// <summary>
/// A bucket's <c>snapshot()</c>, encoded by <see cref="LuaSnapshotCodec"/>, as replicated in DistributedData
/// between its hand-off and its restore on the new owner; <see cref="None"/> (empty) once restored.
/// </summary>
public sealed record RuleSnapshot(byte[] State) : IClusterMessage
{
    public static readonly RuleSnapshot None = new([]);

    /// <summary>By content: two replicas holding the same state are equal.</summary>
    public bool Equals(RuleSnapshot? other) => other is not null && State.AsSpan().SequenceEqual(other.State);

    public override int GetHashCode() => State.Length;

    public static readonly WireCodec<RuleSnapshot> Codec = new(
        "rule-snapshot",
        (w, s) =>
        {
            w.Write(s.State.Length);
            w.Write(s.State);
        },
        r => new RuleSnapshot(r.ReadBytes(r.ReadInt32())));
}

/// <summary>
/// Sharding's hand-off stop message for rule buckets (a rebalance, a graceful leave): the bucket takes its
/// snapshot, stores it, then stops. Local only: the shard sends it to its own entities.
/// </summary>
public sealed record HandOffBucket
{
    public static readonly HandOffBucket Instance = new();
}
