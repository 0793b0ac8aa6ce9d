using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Cluster;

/// <summary><c>syslogintr cluster status</c> with no node to ask: one clear line and a non-zero exit, never a stack trace.</summary>
public sealed class ClusterStatusCommandTests
{
    [Fact]
    public async Task No_node_listening_is_one_line_and_exit_1()
    {
        var folder = TempFolder.Create();
        try
        {
            var (exitCode, output, error) = await NodeExecutable.RunAsync(folder, "cluster", "status", "--node", $"127.0.0.1:{TestNode.FreePort()}");

            Assert.Equal(1, exitCode);
            Assert.Empty(output);
            Assert.Contains("connection refused", error);
            Assert.Contains("not running, or its cluster is disabled", error);
            Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task The_embedded_defaults_have_no_cluster_to_ask_exit_2()
    {
        var folder = TempFolder.Create();
        try
        {
            var (exitCode, _, error) = await NodeExecutable.RunAsync(folder, "cluster", "status");

            Assert.Equal(2, exitCode);
            Assert.Equal("syslogintr: the cluster is disabled in the embedded defaults (syslogintr.cluster.enabled = false): there is no cluster to ask", error.Trim());
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}
