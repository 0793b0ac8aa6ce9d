using System.Net;
using System.Net.Sockets;
using System.Text;
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
}
