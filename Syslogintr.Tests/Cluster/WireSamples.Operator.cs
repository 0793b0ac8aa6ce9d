using Syslogintr.Cluster;

namespace Syslogintr.Tests.Cluster;

public static partial class WireSamples
{
    /// <summary>The cluster status messages (<c>syslogintr cluster status</c>), each with every field set.</summary>
    public static IEnumerable<object> Operator() =>
    [
        ClusterStatusRequest.Instance,
        ReachabilityQuery.Instance,
        new ReachabilityView("akka.tcp://syslogintr@127.0.0.1:4053", ["akka.tcp://syslogintr@127.0.0.1:4055"]),
        new ClusterStatusReport(
            "akka.tcp://syslogintr@127.0.0.1:4053",
            "akka.tcp://syslogintr@127.0.0.1:4053",
            [new MemberLine("akka.tcp://syslogintr@127.0.0.1:4053", "Up", "ingest,ops,rules", 1), new MemberLine("akka.tcp://syslogintr@127.0.0.1:4055", "Leaving", "rules", 2)],
            [new ReachabilityView("akka.tcp://syslogintr@127.0.0.1:4053", []), new ReachabilityView("akka.tcp://syslogintr@127.0.0.1:4054", ["akka.tcp://syslogintr@127.0.0.1:4055"])],
            ["akka.tcp://syslogintr@127.0.0.1:4055"],
            [new SingletonLine("ops", "akka.tcp://syslogintr@127.0.0.1:4053"), new SingletonLine("rules", null)],
            [new BucketLine("rule-sshblock", "akka.tcp://syslogintr@127.0.0.1:4053", 22, 31)],
            ["rule-sshblock: the shard coordinator did not answer within 2s"]),
        new ClusterStatusReport("akka.tcp://syslogintr@127.0.0.1:4053", null, [], [], [], [], [], []),
    ];
}
