using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class ClusterMembershipTests
{
    [Fact]
    public async Task A_node_on_the_defaults_is_local_and_opens_no_remoting_port()
    {
        await using var node = await TestNode.StartAsync();

        // The local provider starts no remoting transport at all, so no port is bound besides the listeners'.
        Assert.IsType<LocalActorRefProvider>(((ExtendedActorSystem)node.System).Provider);
        Assert.False(IsListening(4053), "something listens on the default remoting port");
    }

    [Fact]
    public async Task Three_nodes_on_loopback_form_one_cluster_with_every_role()
    {
        await using var cluster = await TestCluster.StartAsync(3);

        foreach (var node in cluster.Nodes)
        {
            var state = Akka.Cluster.Cluster.Get(node.System).State;
            Assert.Equal(3, state.Members.Count(m => m.Status == MemberStatus.Up));
            Assert.All(state.Members, m => Assert.Equal(["ingest", "ops", "rules"], m.Roles.Order()));
            Assert.Equal("127.0.0.1", Akka.Cluster.Cluster.Get(node.System).SelfAddress.Host);
        }
    }

    [Fact]
    public async Task A_killed_node_is_downed_by_the_majority_and_the_cluster_goes_on()
    {
        await using var cluster = await TestCluster.StartAsync(3);

        await cluster.KillAsync(2);

        await cluster.WaitForMembersUpAsync(2, TimeSpan.FromSeconds(30), cluster.Alive);
        Assert.All(cluster.Alive, n => Assert.Empty(Akka.Cluster.Cluster.Get(n.System).State.Unreachable));
    }

    private static bool IsListening(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
