using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Syslogintr.Metrics;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Ingest.Tls;

/// <summary>A node whose TCP listener speaks TLS with a server certificate from CA "server", and the clients that talk to it.</summary>
internal sealed class TlsTestNode : IAsyncDisposable
{
    private TlsTestNode(TestNode node, LogCollector log, string folder)
    {
        Node = node;
        Log = log;
        Folder = folder;
    }

    public TestNode Node { get; }

    public LogCollector Log { get; }

    public string Folder { get; }

    public ListenerCounters Counters => Node.Services.Metrics.Listener("tcp");

    /// <summary>Starts a node asking for client certificates that chain to <paramref name="clientCa"/>; <paramref name="tlsHocon"/> adds keys to <c>tls { }</c>.</summary>
    public static async Task<TlsTestNode> StartAsync(string folder, TestCa clientCa, string tlsHocon = "")
    {
        using var serverCa = TestCa.Create("CN=Syslogintr Test Server CA");
        using var server = serverCa.Issue("CN=localhost", ["localhost"], usage: "1.3.6.1.5.5.7.3.1");
        var (certificate, key) = TestCertificates.WritePem(server, folder, "server");
        var ca = clientCa.WritePem(folder, "client-ca.pem");
        var node = await TestNode.StartAsync($$"""
            syslogintr.listeners.tcp.tls {
              certificate = "{{certificate}}"
              key = "{{key}}"
              client-certificate = required
              client-ca = "{{ca}}"
              handshake-timeout = 5s
              {{tlsHocon}}
            }
            """);
        return new TlsTestNode(node, LogCollector.Subscribe(node.System), folder);
    }

    /// <summary>
    /// Handshakes as a .NET client presenting <paramref name="certificate"/> (or none), sends one message and closes.
    /// With TLS 1.3 the client may finish its handshake before the server refuses it: only the server can tell.
    /// </summary>
    public async Task SendAsync(X509Certificate2? certificate, string message, X509Certificate2Collection? chain = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Node.Port);
        await using var tls = new SslStream(client.GetStream(), false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ClientCertificateContext = certificate is null ? null : SslStreamCertificateContext.Create(certificate, chain, offline: true),
            });
            var frame = Encoding.ASCII.GetBytes(message + "\n");
            await tls.WriteAsync(frame);
            await tls.FlushAsync();
            await tls.ShutdownAsync();
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            // Refused: the server's counters and log say why.
        }
    }

    /// <summary>Waits until the listener has refused <paramref name="count"/> handshakes for <paramref name="reason"/>.</summary>
    public async Task<long> WaitForRejectedAsync(string reason, long count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        long seen;
        while ((seen = Counters.TlsRejected.GetValueOrDefault(reason)) < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        return seen;
    }

    public async ValueTask DisposeAsync() => await Node.DisposeAsync();
}
