using System.Net;
using System.Net.Sockets;
using System.Text;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Ingest;

/// <summary>A listener whose socket fails at run time is counted, logged and started again; the node stays up.</summary>
public sealed class ListenerRestartTests
{
    private static readonly TimeSpan ComeBack = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_unix_listener_whose_socket_fails_comes_back_and_the_node_stays_up()
    {
        await using var node = await TestNode.StartAsync("syslogintr.listeners.udp.enabled = false");
        using (var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
        {
            client.Connect(new UnixDomainSocketEndPoint(node.SocketPath));
            SocketSabotage.BreakUnixSocket(node.SocketPath);

            // The reader's pending receive still returns this one; its next receive fails.
            client.Send(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 app[1]: before the failure"));
        }

        await SendUntilReceivedAsync(node, attempt =>
        {
            using var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(node.SocketPath));
            client.Send(Encoding.ASCII.GetBytes($"<13>Nov 29 10:00:00 app[1]: after the restart {attempt}"));
            return Task.CompletedTask;
        });

        var lines = node.ReadLines();
        Assert.Contains(lines, l => l.EndsWith("before the failure"));
        Assert.Contains(lines, l => l.Contains("after the restart"));
        Assert.True(node.Services.Metrics.Listener("local").Errors >= 1, "the failure was not counted");
    }

    [Fact]
    public async Task A_tcp_listener_whose_socket_fails_comes_back_instead_of_spinning()
    {
        await using var node = await TestNode.StartAsync("syslogintr.listeners.udp.enabled = false");
        using (var first = new TcpClient())
        {
            await first.ConnectAsync(IPAddress.Loopback, node.Port);
            await first.GetStream().WriteAsync(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 app[1]: before the failure\n"));
        }

        await node.WaitForLinesAsync(l => l.Any(x => x.EndsWith("before the failure")), TimeSpan.FromSeconds(5));
        SocketSabotage.BreakTcpListener(node.Port);

        // A pending accept may still take the first connection after the sabotage (or reset it); the next accept
        // fails, and the listener must come back on a fresh socket.
        await SendUntilReceivedAsync(node, async attempt =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, node.Port);
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"<13>Nov 29 10:00:00 app[1]: after the restart {attempt}\n"));
        });

        var lines = node.ReadLines();
        Assert.Contains(lines, l => l.EndsWith("before the failure"));
        Assert.Contains(lines, l => l.Contains("after the restart"));
        var errors = node.Services.Metrics.Listener("tcp").Errors;
        Assert.InRange(errors, 1, 10);
    }

    /// <summary>Sends (a refused or reset send means "not back yet") until a message sent after the failure is in the file.</summary>
    private static async Task SendUntilReceivedAsync(TestNode node, Func<int, Task> send)
    {
        var deadline = DateTime.UtcNow + ComeBack;
        for (var attempt = 0; DateTime.UtcNow < deadline; attempt++)
        {
            try
            {
                await send(attempt);
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
            }

            var lines = await node.WaitForLinesAsync(l => l.Any(x => x.Contains("after the restart")), TimeSpan.FromMilliseconds(200));
            if (lines.Any(x => x.Contains("after the restart")))
            {
                return;
            }
        }
    }
}
