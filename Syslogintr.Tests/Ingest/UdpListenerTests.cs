using System.Net;
using System.Net.Sockets;
using System.Text;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Ingest;

public sealed class UdpListenerTests
{
    [Fact]
    public async Task Several_udp_listeners_on_ipv4_and_ipv6_receive_and_report_the_senders_address()
    {
        var port6 = TestNode.FreePort();
        await using var node = await TestNode.StartAsync($$"""
            syslogintr.listeners.udp6 { kind = udp, bind = "[::1]:{{port6}}", receive-buffer = 1MiB }
            syslogintr.files.messages.format = rfc5424
            """);

        await Logger.RunAsync("-n", "::1", "-P", port6.ToString(), "-d", "--rfc3164", "-t", "six", "over ipv6");
        using (var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            // No hostname in the header: the sender's address stands in for it.
            udp.SendTo(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 four[4]: over ipv4"), new IPEndPoint(IPAddress.Loopback, node.Port));
        }

        var lines = await node.WaitForLinesAsync(l => l.Count >= 2);
        Assert.Contains(lines, l => l.Contains(" six - - - over ipv6"));
        Assert.Contains(lines, l => l.Contains(" 127.0.0.1 four 4 - - over ipv4"));
        Assert.Equal(1, node.Services.Metrics.Listener("udp6").Received);
        Assert.Equal(1, node.Services.Metrics.Listener("udp").Received);
    }

    [Fact]
    public async Task Kernel_drops_are_counted_for_the_listeners_own_address_not_for_another_socket_on_the_same_port()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        // Another socket on the same port, another loopback address, never read: its small buffer overflows.
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4096 };
        other.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), port));
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        var otherDrops = KernelUdpDrops.Of((IPEndPoint)other.LocalEndPoint!);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (otherDrops() is null or 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the other socket dropped nothing");
            sender.SendTo(new byte[1000], ((IPEndPoint)other.LocalEndPoint!));
            await Task.Yield();
        }

        Assert.Equal(0, KernelUdpDrops.Of((IPEndPoint)listener.LocalEndPoint!)());
    }
}
