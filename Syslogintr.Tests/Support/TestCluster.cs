using Akka.Cluster;

namespace Syslogintr.Tests.Support;

/// <summary>
/// Several <see cref="TestNode"/>s in this process forming one Akka.Cluster over Akka.Remote on loopback: each a
/// whole node built with the executable's composition, its own free remoting port, listener ports and folder.
/// The first node is the seed. <see cref="StartAsync"/> returns once every node sees every other as Up.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private TestCluster(IReadOnlyList<TestNode> nodes, IReadOnlyList<int> remotingPorts)
    {
        Nodes = nodes;
        RemotingPorts = remotingPorts;
    }

    public IReadOnlyList<TestNode> Nodes { get; }

    public IReadOnlyList<int> RemotingPorts { get; }

    public TestNode this[int i] => Nodes[i];

    /// <param name="size">How many nodes.</param>
    /// <param name="extraHocon">Settings for node i (rules, probes, roles, ...), layered over the cluster settings.</param>
    public static async Task<TestCluster> StartAsync(int size, Func<int, string>? extraHocon = null, TimeSpan? timeout = null)
    {
        var ports = Enumerable.Range(0, size).Select(_ => TestNode.FreePort()).ToArray();
        var nodes = new List<TestNode>();
        try
        {
            // Started together: the seed forms the cluster, the others join it as soon as it answers.
            nodes.AddRange(await Task.WhenAll(Enumerable.Range(0, size).Select(i =>
                TestNode.StartAsync((extraHocon?.Invoke(i) ?? "") + "\n" + Hocon(ports[i], ports[0])))));
            var cluster = new TestCluster(nodes, ports);
            await cluster.WaitForMembersUpAsync(size, timeout ?? TimeSpan.FromSeconds(30));
            return cluster;
        }
        catch
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
            throw;
        }
    }

    /// <summary>The cluster settings of a node on <paramref name="port"/> joining the seed on <paramref name="seedPort"/>.</summary>
    public static string Hocon(int port, int seedPort) => $$"""
        syslogintr.cluster {
          enabled = true
          port = {{port}}
          seed-nodes = ["127.0.0.1:{{seedPort}}"]
        }
        # So KillAsync can stop a node's actor system the way a crash does, without leaving the cluster; a normal
        # stop (the host's) still runs coordinated shutdown and leaves.
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        """;

    /// <summary>Waits until every node of <paramref name="among"/> (default: all) sees exactly <paramref name="count"/> members, all Up (a downed one removed).</summary>
    public async Task WaitForMembersUpAsync(int count, TimeSpan timeout, IEnumerable<TestNode>? among = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var watched = (among ?? Nodes).ToList();
        while (!watched.All(n => Akka.Cluster.Cluster.Get(n.System).State.Members is var members && members.Count == count && members.All(m => m.Status == MemberStatus.Up)))
        {
            if (DateTime.UtcNow > deadline)
            {
                var seen = string.Join("; ", watched.Select(n => string.Join(",", Akka.Cluster.Cluster.Get(n.System).State.Members.Select(m => $"{m.Address.Port}:{m.Status}"))));
                throw new TimeoutException($"the cluster did not reach {count} members Up within {timeout}: {seen}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Node <paramref name="i"/> dies as with a kill -9: its actor system stops without leaving the cluster, so the
    /// others see it unreachable and the split-brain resolver downs it after stable-after.
    /// </summary>
    public async Task KillAsync(int i)
    {
        await Nodes[i].System.Terminate();
    }

    /// <summary>The nodes whose actor system still runs.</summary>
    public IEnumerable<TestNode> Alive => Nodes.Where(n => !n.System.WhenTerminated.IsCompleted);

    public async ValueTask DisposeAsync()
    {
        // Together: one by one, each leave would wait for the others to notice.
        await Task.WhenAll(Nodes.Select(async n =>
        {
            try
            {
                await n.DisposeAsync();
            }
            catch (ObjectDisposedException)
            {
                // A test already stopped (or killed) this node.
            }
        }));
    }
}
