using System.Net.Sockets;
using System.Text;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Ingest;

/// <summary>The /dev/log kind of socket: its file's life and the sizes the original choked on.</summary>
public sealed class UnixListenerTests
{
    [Fact]
    public async Task The_socket_replaces_a_stale_file_is_world_writable_and_is_removed_at_stop()
    {
        var node = await TestNode.StartAsync();
        try
        {
            Assert.Equal((UnixFileMode)0b110_110_110, File.GetUnixFileMode(node.SocketPath) & (UnixFileMode)0b111_111_111);
        }
        finally
        {
            await node.StopAsync();
        }

        Assert.False(File.Exists(node.SocketPath));

        // A stale file where the socket goes (a crashed run, another syslogd) does not stop the next start.
        await File.WriteAllTextAsync(Path.Combine(node.Directory, "stale"), "");
        await using var again = await TestNode.StartAsync($"syslogintr.listeners.local.path = \"{node.Directory}/stale\"");
        using var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(Path.Combine(node.Directory, "stale")));
        client.Send(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 app[1]: after a stale file"));
        Assert.Single(await again.WaitForLinesAsync(l => l.Count >= 1));
        await node.DisposeAsync();
    }

    [Fact]
    public async Task A_datagram_over_64_KiB_is_received_whole()
    {
        await using var node = await TestNode.StartAsync();
        var text = "<13>Nov 29 10:00:00 app[1]: " + new string('y', 100 * 1024);
        using var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        client.SendBufferSize = 512 * 1024;
        client.Connect(new UnixDomainSocketEndPoint(node.SocketPath));
        client.Send(Encoding.ASCII.GetBytes(text));

        var line = Assert.Single(await node.WaitForLinesAsync(l => l.Count >= 1));
        Assert.EndsWith("app[1]: " + new string('y', 100 * 1024), line);
        Assert.Equal(0, node.Services.Metrics.Listener("local").Truncated);
    }
}
