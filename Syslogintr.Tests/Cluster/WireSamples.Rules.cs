using Syslogintr.Rules.Distributed;
using Syslogintr.Tests.Rules;

namespace Syslogintr.Tests.Cluster;

public static partial class WireSamples
{
    /// <summary>One instance of each cross-node message of partitioned and singleton rules.</summary>
    public static IEnumerable<object> Rules() =>
    [
        new RuleBatch(17, 42, [RuleFolder.Message("Failed password for root from 192.0.2.7 port 22 ssh2"), RuleFolder.Message("second", remote: "2001:db8::7")]),
        new RuleBatchDone(17, 42),
        new RuleSnapshot([0, 5, 1, 0, 0, 0, (byte)'a', 3, 7, 0, 0, 0, 0, 0, 0, 0, 6]),
    ];
}
