using Syslogintr.Cluster;
using Syslogintr.Hosting;
using Syslogintr.Node;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Cluster;

public sealed class DeployFilesTests
{
    [Fact]
    public void The_example_cluster_config_is_a_cluster_node_with_three_seeds_and_every_role()
    {
        var settings = ClusterSettings.From(new SettingsReader(NodeConfig.Load(Path.Combine(Repository.Root, "deploy", "cluster.conf"))));

        Assert.True(settings.Enabled);
        Assert.Equal(3, settings.SeedNodes.Count);
        Assert.Contains($"{settings.HostName}:{settings.Port}", settings.SeedNodes);
        Assert.Equal(ClusterSettings.KnownRoles.Order(), settings.Roles.Order());
    }
}
