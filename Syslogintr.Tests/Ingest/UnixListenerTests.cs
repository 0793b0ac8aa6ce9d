using System.Net.Sockets;
using System.Text;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Ingest;

/// <summary>The /dev/log kind of socket: its file's life and the sizes the original choked on.</summary>
public sealed class UnixListenerTests
{
    [Fact]
    public async Task The_socket_replaces_a_stale_socket_is_world_writable_and_is_removed_at_stop()
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

        // A socket nobody is bound to any more (a crashed run, a stopped syslogd) does not stop the next start.
        var stale = Path.Combine(node.Directory, "stale");
        MakeStaleSocket(stale);
        await using var again = await TestNode.StartAsync($"syslogintr.listeners.local.path = \"{stale}\"");
        Send(stale, "<13>Nov 29 10:00:00 app[1]: after a stale socket");
        Assert.Single(await again.WaitForLinesAsync(l => l.Count >= 1));
        await node.DisposeAsync();
    }

    [Fact]
    public async Task A_path_that_is_a_regular_file_refuses_the_start_and_the_file_is_intact()
    {
        var folder = TempFolder.Create();
        try
        {
            var important = Path.Combine(folder, "important.txt");
            await File.WriteAllTextAsync(important, "keep me\n");

            var failure = await Record.ExceptionAsync(() => TestNode.StartAsync($"syslogintr.listeners.local.path = \"{important}\""));

            var startup = failure as Hosting.StartupException ?? failure?.InnerException as Hosting.StartupException;
            Assert.NotNull(startup);
            Assert.Contains($"cannot listen: local: unix {important}: the path exists and is not a socket", startup.Message);
            Assert.Equal("keep me\n", await File.ReadAllTextAsync(important));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task A_second_node_on_a_live_socket_exits_1_and_the_first_keeps_its_socket()
    {
        await using var first = await TestNode.StartAsync("syslogintr.listeners.udp.enabled = false");
        var folder = TempFolder.Create();
        try
        {
            var config = Path.Combine(folder, "node.conf");
            await File.WriteAllTextAsync(config, $$"""
                syslogintr.listeners {
                  udp.enabled = false
                  tcp.bind = "127.0.0.1:{{TestNode.FreePort()}}"
                  local.path = "{{first.SocketPath}}"
                }
                syslogintr.files.messages.path = "{{folder}}/messages"
                """);

            var (exitCode, _, error) = await NodeExecutable.RunAsync(folder, "run", "--config", config);

            Assert.Equal(1, exitCode);
            // The node's log is on stderr too (stdout is a script's); its own error is the one line it writes itself.
            var line = Assert.Single(error.Split('\n'), l => l.StartsWith("syslogintr: ", StringComparison.Ordinal));
            Assert.Contains($"unix {first.SocketPath}: a running process (another node or syslog daemon?) is bound to it", line);
        }
        finally
        {
            TempFolder.Delete(folder);
        }

        Assert.True(File.Exists(first.SocketPath), "the second node removed the first node's socket");
        Send(first.SocketPath, "<13>Nov 29 10:00:00 app[1]: after the second node exited");
        Assert.Single(await first.WaitForLinesAsync(l => l.Count >= 1));
    }

    [Fact]
    public async Task At_stop_a_socket_someone_else_put_at_the_path_is_left_alone()
    {
        var node = await TestNode.StartAsync();
        try
        {
            File.Delete(node.SocketPath);
            MakeStaleSocket(node.SocketPath);
            await node.StopAsync();
            Assert.True(File.Exists(node.SocketPath), "the node removed a socket it did not create");
        }
        finally
        {
            await node.DisposeAsync();
        }
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

    private static void Send(string path, string text)
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        client.Send(Encoding.ASCII.GetBytes(text));
    }

    /// <summary>A socket file nobody is bound to: bound elsewhere, moved into place, closed (.NET removes only the old name).</summary>
    private static void MakeStaleSocket(string path)
    {
        var bound = path + ".tmp";
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(bound));
        File.Move(bound, path);
    }
}
