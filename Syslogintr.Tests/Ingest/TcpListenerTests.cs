using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Ingest;

/// <summary>RFC 6587 framing, limits and RFC 5425 TLS on a real TCP listener.</summary>
public sealed class TcpListenerTests
{
    [Fact]
    public async Task Octet_counted_and_lf_frames_mixed_in_one_connection_and_split_anywhere_all_arrive()
    {
        await using var node = await TestNode.StartAsync();
        var stream = Encoding.UTF8.GetBytes(
            "<13>Nov 29 10:00:00 h one[1]: first\n" +
            "36 <13>Nov 29 10:00:00 h two[2]: second" +
            "<13>Nov 29 10:00:00 h three[3]: third\r\n" +
            "55 <13>1 2026-11-29T10:00:00Z h four 4 - - multi\nline text");
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, node.Port);
            var socket = client.GetStream();
            foreach (var chunk in stream.Chunk(3))
            {
                await socket.WriteAsync(chunk);
                await socket.FlushAsync();
            }
        }

        var lines = await node.WaitForLinesAsync(l => l.Count >= 4);
        Assert.Collection(
            lines,
            l => Assert.EndsWith("one[1]: first", l),
            l => Assert.EndsWith("two[2]: second", l),
            l => Assert.EndsWith("three[3]: third", l),
            l => Assert.EndsWith("four[4]: multi#012line text", l));
    }

    [Fact]
    public async Task An_oversized_frame_is_truncated_flagged_and_counted_and_an_absurd_length_is_a_framing_error_read_as_a_line()
    {
        await using var node = await TestNode.StartAsync("syslogintr.listeners.tcp.max-message-size = 1KiB");
        var big = "<13>Nov 29 10:00:00 h big[1]: " + new string('x', 5000);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, node.Port);
            var socket = client.GetStream();
            await socket.WriteAsync(Encoding.ASCII.GetBytes($"{big.Length} {big}"));
            await socket.WriteAsync(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 h after[2]: still framed\n"));
            await socket.WriteAsync(Encoding.ASCII.GetBytes("99999999999 <13>Nov 29 10:00:00 h absurd[3]: claims 100 GB"));
        }

        var lines = await node.WaitForLinesAsync(l => l.Count >= 3);
        Assert.Contains("big[1]: xxx", lines[0]);
        Assert.True(lines[0].Length < 1100, $"line of {lines[0].Length} characters was not truncated");
        Assert.EndsWith("after[2]: still framed", lines[1]);
        Assert.Contains("absurd[3]: claims 100 GB", lines[2]);
        Assert.Equal(1, node.Services.Metrics.Listener("tcp").Truncated);
        Assert.Equal(1, node.Services.Metrics.Listener("tcp").FramingErrors);
    }

    [Fact]
    public async Task An_idle_connection_is_closed_by_the_server()
    {
        await using var node = await TestNode.StartAsync("syslogintr.listeners.tcp.idle-timeout = 300ms");
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, node.Port);
        var read = client.GetStream().ReadAsync(new byte[1]).AsTask();
        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(5)));
        Assert.Same(read, finished);
        Assert.Equal(0, await read);
    }

    /// <summary>
    /// The listener's timeout thread used to wake every quarter of the shortest timeout (here 75 ms) with no
    /// connection to watch; it now sleeps until one comes, and still closes that one when it goes idle.
    /// </summary>
    [Fact]
    public async Task Without_connections_the_timeout_thread_does_not_wake_and_a_new_connection_still_times_out()
    {
        var port = TestNode.FreePort();
        await using var node = await TestNode.StartAsync($$"""
            syslogintr.listeners.rp { kind = tcp, bind = "127.0.0.1:{{port}}", idle-timeout = 300ms }
            """);
        var thread = Directory.GetDirectories("/proc/self/task").Single(task => ThreadName(task) == "listener-rp-tim");
        long Wakeups() => long.Parse(File.ReadLines(Path.Combine(thread, "status")).Single(line => line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)).Split(':')[1]);

        await Task.Delay(200);
        var before = Wakeups();
        await Task.Delay(1000);
        Assert.InRange(Wakeups() - before, 0, 1);

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var read = client.GetStream().ReadAsync(new byte[1]).AsTask();
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(5))));
        Assert.Equal(0, await read);
    }

    [Fact]
    public async Task Tls_carries_messages_and_a_failed_handshake_closes_only_that_connection()
    {
        var folder = TempFolder.Create();
        try
        {
            var pfx = Path.Combine(folder, "server.pfx");
            await File.WriteAllBytesAsync(pfx, SelfSignedCertificate());
            await using var node = await TestNode.StartAsync($$"""
                syslogintr.listeners.tcp.tls { certificate = "{{pfx}}", handshake-timeout = 2s }
                """);

            using (var plain = new TcpClient())
            {
                await plain.ConnectAsync(IPAddress.Loopback, node.Port);
                await plain.GetStream().WriteAsync(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 h plain[1]: not tls\n"));
                var closed = plain.GetStream().ReadAsync(new byte[16]).AsTask();
                Assert.Same(closed, await Task.WhenAny(closed, Task.Delay(TimeSpan.FromSeconds(5))));
            }

            using (var client = new TcpClient())
            {
                await client.ConnectAsync(IPAddress.Loopback, node.Port);
                await using var tls = new SslStream(client.GetStream(), false, (_, _, _, _) => true);
                await tls.AuthenticateAsClientAsync("localhost");
                await tls.WriteAsync(Encoding.ASCII.GetBytes("34 <13>Nov 29 10:00:00 h s[1]: secret"));
                await tls.FlushAsync();
            }

            var lines = await node.WaitForLinesAsync(l => l.Count >= 1);
            Assert.EndsWith("s[1]: secret", Assert.Single(lines));
            Assert.True(node.Services.Metrics.Listener("tcp").Errors >= 1);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    /// <summary>A thread's name; empty for one that ended since the folder was listed (other tests' threads come and go).</summary>
    private static string ThreadName(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static byte[] SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.Export(X509ContentType.Pkcs12);
    }
}
