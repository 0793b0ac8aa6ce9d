using Akka.Actor;
using Syslogintr.Node;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Cluster;

/// <summary>A node another member makes leave shuts itself down, with the reason the executable turns into exit code 3.</summary>
[Collection(SerialCollection.Name)]
public sealed class RemovedNodeTests
{
    [Fact]
    public async Task A_node_made_to_leave_by_another_member_shuts_down_and_would_exit_3()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var removed = cluster[1].System;

        Akka.Cluster.Cluster.Get(cluster[0].System).Leave(Akka.Cluster.Cluster.Get(removed).SelfAddress);

        await removed.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(20));
        var reason = CoordinatedShutdown.Get(removed).ShutdownReason;
        Assert.IsType<CoordinatedShutdown.ClusterLeavingReason>(reason);
        Assert.Equal(ExitCodes.RemovedFromCluster, ExitCodes.ForShutdown(reason));
        Assert.Equal(ExitCodes.Stopped, ExitCodes.ForShutdown(CoordinatedShutdown.ClrExitReason.Instance));
    }
}
