using System.Diagnostics;
using Syslogintr.Ingest.Listeners.Tls;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Ingest.Tls;

/// <summary>OpenSSL's <c>s_client</c>, a TLS client nobody here wrote, against <c>client-certificate = required</c>.</summary>
public sealed class OpensslClientTests : IDisposable
{
    private readonly string folder = TempFolder.Create();
    private readonly TestCa caA = TestCa.Create("CN=Private CA A, O=Syslogintr Tests");
    private readonly TestCa caB = TestCa.Create("CN=Private CA B, O=Syslogintr Tests");

    [Fact]
    public async Task Openssl_client_from_client_ca_is_accepted_and_other_ca_no_certificate_and_public_looking_are_refused()
    {
        await using var tls = await TlsTestNode.StartAsync(folder, caA);
        using var fromA = caA.Issue("CN=client-a", ["client-a.example.org"]);
        using var fromB = caB.Issue("CN=client-b", ["client-b.example.org"]);
        using var publicLooking = TestCertificates.SelfSigned("CN=www.google.com, O=Google LLC", ["www.google.com"]);

        await SClientAsync(tls.Node.Port, TestCertificates.WritePem(fromB, folder, "b"), "<13>Nov 29 10:00:00 h b[1]: from CA B");
        await SClientAsync(tls.Node.Port, null, "<13>Nov 29 10:00:00 h none[1]: no certificate");
        await SClientAsync(tls.Node.Port, TestCertificates.WritePem(publicLooking, folder, "google"), "<13>Nov 29 10:00:00 h google[1]: public looking");
        await SClientAsync(tls.Node.Port, TestCertificates.WritePem(fromA, folder, "a"), "<13>Nov 29 10:00:00 h a[1]: from CA A");

        var lines = await tls.Node.WaitForLinesAsync(l => l.Count >= 1);
        Assert.EndsWith("a[1]: from CA A", Assert.Single(lines));
        Assert.Equal(2, await tls.WaitForRejectedAsync(ClientCertificateRejection.UntrustedIssuer, 2));
        Assert.Equal(1, await tls.WaitForRejectedAsync(ClientCertificateRejection.NoCertificate, 1));
        await tls.Log.WaitForWarningAsync(w => w.Contains("untrusted-issuer: CN=client-b", StringComparison.Ordinal), "naming the untrusted client");
        Assert.Single(tls.Node.ReadLines());
    }

    public void Dispose()
    {
        caA.Dispose();
        caB.Dispose();
        TempFolder.Delete(folder);
    }

    /// <summary>Sends one line through <c>openssl s_client</c> and lets it close at the end of its input.</summary>
    private static async Task SClientAsync(int port, (string Certificate, string Key)? identity, string message)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost", "-no_ign_eof", "-brief" })
        {
            start.ArgumentList.Add(argument);
        }

        if (identity is { } id)
        {
            start.ArgumentList.Add("-cert");
            start.ArgumentList.Add(id.Certificate);
            start.ArgumentList.Add("-key");
            start.ArgumentList.Add(id.Key);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(message + "\n");
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"openssl s_client did not finish: {await error}");
        }

        await Task.WhenAll(output, error);
    }
}
