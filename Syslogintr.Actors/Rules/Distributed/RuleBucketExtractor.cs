using System.Globalization;
using Akka.Cluster.Sharding;

namespace Syslogintr.Rules.Distributed;

/// <summary>One shard per bucket, one entity per shard: the coordinator places and moves buckets one by one.</summary>
public sealed class RuleBucketExtractor : IMessageExtractor
{
    public static readonly RuleBucketExtractor Instance = new();

    public string? EntityId(object message) => message is RuleBatch batch ? Id(batch.Bucket) : null;

    public object EntityMessage(object message) => message;

    public string? ShardId(object message) => EntityId(message);

    public string ShardId(string entityId, object? messageHint = null) => entityId;

    public static string Id(int bucket) => bucket.ToString(CultureInfo.InvariantCulture);
}
