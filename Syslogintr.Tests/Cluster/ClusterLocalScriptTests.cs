using System.Diagnostics;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Cluster;

/// <summary>
/// Real processes: <c>deploy/cluster-local.sh</c> starts three nodes of the test build; <c>logger</c> sends to each;
/// nodes are killed, stopped and resumed with real signals, and <c>syslogintr cluster status</c> says what the
/// survivors see. Each test stays within about a minute on a loaded 2-core machine.
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class ClusterLocalScriptTests
{
    /// <summary>Detection (~2.5 s) + stable-after (5 s) + removal, with room for a loaded machine.</summary>
    private static readonly TimeSpan Downed = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Three_nodes_ingest_a_killed_node_is_downed_the_rest_converge_and_a_sigterm_is_a_graceful_leave()
    {
        await using var cluster = await ClusterLocalScript.UpAsync();
        var status = await cluster.WaitForMembersUpAsync(1, 3, TimeSpan.FromSeconds(40));
        Assert.Contains($"role ops: {cluster.Address(1)}", status);
        using var http = new HttpClient();
        foreach (var node in new[] { 1, 2, 3 })
        {
            // Each node has an endpoint of its own: with one shared port, two of the three would run without one.
            var health = await http.GetAsync($"http://127.0.0.1:{cluster.HttpPort + node - 1}/healthz");
            Assert.True(health.IsSuccessStatusCode, $"node{node}'s /healthz answered {health.StatusCode}");
        }

        var run = Guid.NewGuid().ToString("N")[..8];
        foreach (var node in new[] { 1, 2, 3 })
        {
            await cluster.SendAsync(node, $"before-{run}-node{node}");
        }

        foreach (var node in new[] { 1, 2, 3 })
        {
            Assert.True(await cluster.WaitForLineAsync(node, $"before-{run}-node{node}"), $"node{node} did not write its line");
            Assert.DoesNotContain(cluster.Lines(node), l => l.Contains($"before-{run}-node{(node % 3) + 1}"));
        }

        Process.GetProcessById(cluster.Pid(3)).Kill(); // SIGKILL: no leave
        await cluster.WaitForMembersUpAsync(1, 2, Downed);
        await cluster.WaitForMembersUpAsync(2, 2, TimeSpan.FromSeconds(10));
        foreach (var node in new[] { 1, 2 })
        {
            await cluster.SendAsync(node, $"after-{run}-node{node}");
            Assert.True(await cluster.WaitForLineAsync(node, $"after-{run}-node{node}"), $"node{node} stopped ingesting after node3 died");
        }

        Assert.Equal(137, await cluster.WaitForExitAsync(3, TimeSpan.FromSeconds(5)));

        // SIGTERM leaves: node1's leader removes node2 because node2 confirmed its exit (Akka's leave handshake, within
        // a leader tick), not because the failure detector found it gone (unreachable, then downed after stable-after).
        // Asserted on that event, not on elapsed time: each `cluster status` below is a process of its own that takes
        // 1-2 s on a loaded machine, so a time bound would measure the probe as much as the leave.
        Signal("-TERM", cluster.Pid(2));
        Assert.Equal(0, await cluster.WaitForExitAsync(2, TimeSpan.FromSeconds(20)));
        await cluster.WaitForMembersUpAsync(1, 1, TimeSpan.FromSeconds(15));
        Assert.True(
            await cluster.WaitForLogAsync(1, $"Leader is removing confirmed Exiting node [{cluster.Address(2)}]", TimeSpan.FromSeconds(5)),
            $"node1 did not remove node2 as a confirmed leave: {cluster.LogTail(1)}");

        var (exitCode, output, _) = await cluster.RunAsync("down");
        Assert.Equal(0, exitCode);
        Assert.Contains("node1: stopped (exit code 0)", output);
        Assert.Equal(0, cluster.ExitCode(1));
    }

    [Fact]
    public async Task A_node_stopped_past_the_split_brain_window_is_downed_and_exits_3_when_resumed()
    {
        await using var cluster = await ClusterLocalScript.UpAsync();
        await cluster.WaitForMembersUpAsync(1, 3, TimeSpan.FromSeconds(40));
        var pid3 = cluster.Pid(3);

        Signal("-STOP", pid3);
        try
        {
            await cluster.WaitForMembersUpAsync(1, 2, Downed);
            var run = Guid.NewGuid().ToString("N")[..8];
            await cluster.SendAsync(2, $"majority-{run}");
            Assert.True(await cluster.WaitForLineAsync(2, $"majority-{run}"), "the majority stopped ingesting");
        }
        finally
        {
            // Resumed whatever happened above: a failed test leaves no frozen process behind.
            Signal("-CONT", pid3);
        }

        // It finds itself alone with two unreachable members, or hears it was downed: either way it shuts down.
        Assert.Equal(3, await cluster.WaitForExitAsync(3, TimeSpan.FromSeconds(30)));
        Assert.False(Directory.Exists($"/proc/{pid3}"), "node3's process is still there");
        Assert.Contains("removed from the cluster (exit code 3)", (await cluster.RunAsync("status")).Output);
        await cluster.WaitForMembersUpAsync(2, 2, TimeSpan.FromSeconds(5));
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [signal, pid.ToString()])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
