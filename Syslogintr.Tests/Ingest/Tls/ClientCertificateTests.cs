using System.Security.Cryptography.X509Certificates;
using Syslogintr.Ingest.Listeners.Tls;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Ingest.Tls;

/// <summary>
/// <c>client-certificate = required</c> trusts exactly <c>tls.client-ca</c> and <c>tls.permitted-peers</c>, says which
/// check failed, counts it by reason, and does not flood the log while a refused client retries.
/// </summary>
public sealed class ClientCertificateTests : IDisposable
{
    private readonly string folder = TempFolder.Create();
    private readonly TestCa caA = TestCa.Create("CN=Private CA A, O=Syslogintr Tests");
    private readonly TestCa caB = TestCa.Create("CN=Private CA B, O=Syslogintr Tests");

    [Fact]
    public async Task Only_a_valid_client_certificate_from_client_ca_gets_a_message_in_and_each_refusal_names_its_reason()
    {
        await using var tls = await TlsTestNode.StartAsync(folder, caA);
        using var fromA = caA.Issue("CN=client-a", ["client-a.example.org"]);
        using var fromB = caB.Issue("CN=client-b", ["client-b.example.org"]);
        using var expired = caA.Issue("CN=expired", notBefore: DateTimeOffset.UtcNow.AddDays(-10), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        using var notYet = caA.Issue("CN=not-yet", notBefore: DateTimeOffset.UtcNow.AddDays(1), notAfter: DateTimeOffset.UtcNow.AddDays(10));
        using var serverOnly = caA.Issue("CN=server-only", usage: "1.3.6.1.5.5.7.3.1");
        using var publicLooking = TestCertificates.SelfSigned("CN=www.google.com, O=Google LLC", ["www.google.com"]);

        await tls.SendAsync(fromB, "<13>Nov 29 10:00:00 h b[1]: from CA B");
        await tls.SendAsync(null, "<13>Nov 29 10:00:00 h none[1]: no certificate");
        await tls.SendAsync(expired, "<13>Nov 29 10:00:00 h expired[1]: expired");
        await tls.SendAsync(notYet, "<13>Nov 29 10:00:00 h notyet[1]: not yet valid");
        await tls.SendAsync(serverOnly, "<13>Nov 29 10:00:00 h usage[1]: server only");
        await tls.SendAsync(publicLooking, "<13>Nov 29 10:00:00 h google[1]: public looking");
        await tls.SendAsync(fromA, "<13>Nov 29 10:00:00 h a[1]: from CA A");

        var lines = await tls.Node.WaitForLinesAsync(l => l.Count >= 1);
        Assert.EndsWith("a[1]: from CA A", Assert.Single(lines));
        Assert.Equal(2, await tls.WaitForRejectedAsync(ClientCertificateRejection.UntrustedIssuer, 2));
        Assert.Equal(1, await tls.WaitForRejectedAsync(ClientCertificateRejection.NoCertificate, 1));
        Assert.Equal(2, await tls.WaitForRejectedAsync(ClientCertificateRejection.NotTimeValid, 2));
        Assert.Equal(1, await tls.WaitForRejectedAsync(ClientCertificateRejection.WrongUsage, 1));
        Assert.Equal(4, tls.Counters.TlsRejected.Count);
        Assert.Equal(6, tls.Counters.Errors);
        Assert.Single(tls.Node.ReadLines());

        // With TLS 1.3 a client finishes its handshake before the server has judged its certificate, so the two
        // untrusted-issuer refusals (and the two not-time-valid ones) may be judged in either order; the first one
        // judged is the one logged.
        await tls.Log.WaitForWarningAsync(w => (w.Contains("refused, untrusted-issuer: CN=client-b", StringComparison.Ordinal) || w.Contains("refused, untrusted-issuer: CN=www.google.com", StringComparison.Ordinal)) && w.Contains("does not chain to tls.client-ca", StringComparison.Ordinal), "naming the untrusted issuer");
        await tls.Log.WaitForWarningAsync(w => w.Contains("refused, no-certificate: no client certificate", StringComparison.Ordinal), "about the missing certificate");
        await tls.Log.WaitForWarningAsync(w => (w.Contains("refused, not-time-valid: CN=expired", StringComparison.Ordinal) || w.Contains("refused, not-time-valid: CN=not-yet", StringComparison.Ordinal)) && w.Contains("is valid only from", StringComparison.Ordinal), "about the expired or not yet valid certificate");
        await tls.Log.WaitForWarningAsync(w => w.Contains("refused, wrong-usage: CN=server-only", StringComparison.Ordinal), "about the server-only certificate");
    }

    [Fact]
    public async Task A_certificate_claiming_a_public_roots_name_but_signed_by_another_key_is_refused()
    {
        using var store = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
        store.Open(OpenFlags.ReadOnly);
        var publicRoot = store.Certificates.FirstOrDefault() ?? throw new InvalidOperationException("the OS trust store is empty (install ca-certificates)");
        using var impostorRoot = TestCa.Create(publicRoot.SubjectName);
        using var impostor = impostorRoot.Issue("CN=impostor", ["impostor.example.org"]);
        await using var tls = await TlsTestNode.StartAsync(folder, caA);

        await tls.SendAsync(impostor, "<13>Nov 29 10:00:00 h impostor[1]: forged issuer", [impostorRoot.Certificate]);

        Assert.Equal(1, await tls.WaitForRejectedAsync(ClientCertificateRejection.UntrustedIssuer, 1));
        await tls.Log.WaitForWarningAsync(w => w.Contains("CN=impostor", StringComparison.Ordinal) && w.Contains(publicRoot.Issuer, StringComparison.Ordinal), "naming the impostor and the real root");
        Assert.Empty(tls.Node.ReadLines());
    }

    [Fact]
    public async Task Permitted_peers_admit_a_wildcard_name_or_a_fingerprint_and_refuse_the_rest_of_client_ca()
    {
        using var web = caA.Issue("CN=web", ["web1.dmz.example.org"]);
        using var byFingerprint = caA.Issue("CN=pinned");
        using var other = caA.Issue("CN=db.example.org", ["db.example.org"]);
        var fingerprint = "SHA256:" + string.Join(':', Convert.ToHexString(byFingerprint.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256)).Chunk(2).Select(c => new string(c)));
        await using var tls = await TlsTestNode.StartAsync(folder, caA, $"permitted-peers = [\"*.dmz.example.org\", \"{fingerprint}\"]");

        await tls.SendAsync(other, "<13>Nov 29 10:00:00 h other[1]: not permitted");
        await tls.SendAsync(web, "<13>Nov 29 10:00:00 h web[1]: by name");
        await tls.SendAsync(byFingerprint, "<13>Nov 29 10:00:00 h pinned[1]: by fingerprint");

        var lines = await tls.Node.WaitForLinesAsync(l => l.Count >= 2);
        Assert.Equal(2, lines.Count);
        Assert.Contains(lines, l => l.EndsWith("web[1]: by name", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("pinned[1]: by fingerprint", StringComparison.Ordinal));
        Assert.Equal(1, await tls.WaitForRejectedAsync(ClientCertificateRejection.NotPermitted, 1));
        await tls.Log.WaitForWarningAsync(w => w.Contains("not-permitted: CN=db.example.org", StringComparison.Ordinal) && w.Contains("names [db.example.org]", StringComparison.Ordinal), "naming the refused certificate's names");
    }

    [Fact]
    public async Task Optional_admits_a_client_without_a_certificate_but_still_refuses_one_from_another_ca()
    {
        await using var tls = await TlsTestNode.StartAsync(folder, caA, "client-certificate = optional");
        using var fromB = caB.Issue("CN=client-b");

        await tls.SendAsync(fromB, "<13>Nov 29 10:00:00 h b[1]: from CA B");
        await tls.SendAsync(null, "<13>Nov 29 10:00:00 h none[1]: anonymous");

        Assert.EndsWith("none[1]: anonymous", Assert.Single(await tls.Node.WaitForLinesAsync(l => l.Count >= 1)));
        Assert.Equal(1, await tls.WaitForRejectedAsync(ClientCertificateRejection.UntrustedIssuer, 1));
    }

    [Fact]
    public void A_key_usage_without_digital_signature_is_refused_as_wrong_usage()
    {
        using var keyEncipherment = caA.Issue("CN=encipher-only", keyUsage: X509KeyUsageFlags.KeyEncipherment);
        using var signing = caA.Issue("CN=signing");
        using var trusting = new ClientCertificatePolicy([caA.Certificate], [], required: true);

        Assert.Equal(ClientCertificateRejection.WrongUsage, trusting.Check(keyEncipherment, [])?.Reason);
        Assert.Null(trusting.Check(signing, []));
    }

    [Fact]
    public async Task Two_hundred_refused_handshakes_write_one_warning_per_reason_and_are_all_counted()
    {
        await using var tls = await TlsTestNode.StartAsync(folder, caA);
        using var fromB = caB.Issue("CN=client-b");
        const int attempts = 200;
        var started = DateTime.UtcNow;
        for (var i = 0; i < attempts; i++)
        {
            await tls.SendAsync(i % 2 == 0 ? null : fromB, "<13>Nov 29 10:00:00 h retry[1]: again");
        }

        Assert.Equal(attempts / 2, await tls.WaitForRejectedAsync(ClientCertificateRejection.NoCertificate, attempts / 2));
        Assert.Equal(attempts / 2, await tls.WaitForRejectedAsync(ClientCertificateRejection.UntrustedIssuer, attempts / 2));
        var elapsed = DateTime.UtcNow - started;

        // One line per reason per 10 s window that saw failures.
        var windows = (int)(elapsed / TlsServer.WarningInterval) + 1;
        await tls.Log.WaitForWarningAsync(w => w.Contains("no-certificate", StringComparison.Ordinal), "about missing certificates");
        await tls.Log.WaitForWarningAsync(w => w.Contains("untrusted-issuer", StringComparison.Ordinal), "about untrusted issuers");
        var warnings = tls.Log.Warnings;
        Assert.InRange(warnings.Count(w => w.Contains("no-certificate", StringComparison.Ordinal)), 1, windows);
        Assert.InRange(warnings.Count(w => w.Contains("untrusted-issuer", StringComparison.Ordinal)), 1, windows);
        Assert.Empty(tls.Node.ReadLines());
    }

    [Fact]
    public async Task Handshakes_that_are_not_tls_at_all_are_counted_and_logged_once_per_interval()
    {
        await using var tls = await TlsTestNode.StartAsync(folder, caA);
        for (var i = 0; i < 50; i++)
        {
            using var plain = new System.Net.Sockets.TcpClient();
            await plain.ConnectAsync(System.Net.IPAddress.Loopback, tls.Node.Port);
            await plain.GetStream().WriteAsync("<13>Nov 29 10:00:00 h plain[1]: not tls\n"u8.ToArray());
            var closed = plain.GetStream().ReadAsync(new byte[64]).AsTask();
            await Task.WhenAny(closed, Task.Delay(TimeSpan.FromSeconds(5)));
        }

        Assert.Equal(50, await tls.WaitForRejectedAsync(ClientCertificateRejection.HandshakeFailed, 50));
        await tls.Log.WaitForWarningAsync(w => w.Contains("handshake-failed", StringComparison.Ordinal), "about failed handshakes");
        Assert.InRange(tls.Log.Warnings.Count(w => w.Contains("handshake-failed", StringComparison.Ordinal)), 1, 2);
    }

    public void Dispose()
    {
        caA.Dispose();
        caB.Dispose();
        TempFolder.Delete(folder);
    }
}
