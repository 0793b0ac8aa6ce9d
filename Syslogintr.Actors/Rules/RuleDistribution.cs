using Akka.Configuration;

namespace Syslogintr.Rules;

/// <summary>Where a rule runs when the node is part of a cluster (<c>distribution</c> in the rule's entry).</summary>
public enum RuleDistribution
{
    /// <summary>Every node runs its own instance(s) over the messages it received (right for files.lua writing local files).</summary>
    Local,

    /// <summary>One state per bucket cluster-wide: the partition-by key picks the bucket, Cluster Sharding places it on a rules node.</summary>
    Partitioned,

    /// <summary>One state cluster-wide sees every matching message: a partitioned rule with one bucket.</summary>
    Singleton,
}

/// <summary>Reads and names a <see cref="RuleDistribution"/>.</summary>
public static class RuleDistributions
{
    public static RuleDistribution Parse(string rule, string value) => value switch
    {
        "local" => RuleDistribution.Local,
        "partitioned" => RuleDistribution.Partitioned,
        "singleton" => RuleDistribution.Singleton,
        _ => throw new ConfigurationException($"rule '{rule}': 'syslogintr.rules.{rule}.distribution' must be local, partitioned or singleton, not '{value}'"),
    };

    public static string Name(RuleDistribution distribution) => distribution.ToString().ToLowerInvariant();
}
