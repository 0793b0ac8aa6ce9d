using Akka.Actor;
using Syslogintr.Cluster.Wire;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Cluster;

[Collection(SerialCollection.Name)]
public sealed class WireFallbackTests
{
    [Fact]
    public async Task Every_cluster_message_has_a_codec_and_a_sample_that_round_trips_through_our_serializer_on_a_cluster_node()
    {
        // The serialization settings of a real cluster node, as ClusterHosting composes them.
        await using var cluster = await TestCluster.StartAsync(1);

        var problems = WireCoverage.Problems(cluster[0].System, WireCoverage.ClusterMessageTypes(), WireSamples.All());

        Assert.True(problems.Count == 0, "\n" + string.Join("\n", problems));
    }

    [Fact]
    public async Task The_check_names_a_message_without_codec_or_sample_and_a_sample_that_falls_back_to_json()
    {
        using var system = ActorSystem.Create("wire-coverage");
        try
        {
            var problems = WireCoverage.Problems(system, [typeof(Uncovered)], [("Test", new NotAClusterMessage(1))]);

            Assert.Contains(problems, p => p.Contains($"{typeof(Uncovered).FullName} implements IClusterMessage but has no codec"));
            Assert.Contains(problems, p => p.Contains($"{typeof(Uncovered).FullName} has no sample"));
            Assert.Contains(problems, p => p.Contains("WireSamples.Test(): ") && p.Contains("not SyslogintrSerializer"));
        }
        finally
        {
            await system.Terminate();
        }
    }

    private sealed record Uncovered(int Value) : IClusterMessage;

    private sealed record NotAClusterMessage(int Value);
}
