using System.Security.Cryptography;
using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Ingest.Listeners.Tls;

namespace Syslogintr.Tests.Ingest.Tls;

public sealed class PermittedPeerTests : IDisposable
{
    private readonly TestCa ca = TestCa.Create("CN=Peers CA");

    [Theory]
    [InlineData("host.example.org", "CN=x", "host.example.org", true)]
    [InlineData("HOST.example.org", "CN=x", "host.Example.org", true)]
    [InlineData("host.example.org", "CN=host.example.org", null, true)]
    [InlineData("*.example.org", "CN=x", "a.example.org", true)]
    [InlineData("*.example.org", "CN=x", "a.b.example.org", false)]
    [InlineData("*.example.org", "CN=x", "example.org", false)]
    [InlineData("*.example.org", "CN=x", "a.example.org.evil.com", false)]
    [InlineData("host.example.org", "CN=other.example.org", "host.example.org.evil.com", false)]
    public void A_name_matches_a_dns_subject_alternative_name_or_the_common_name(string entry, string subject, string? dnsName, bool matches)
    {
        using var certificate = ca.Issue(subject, dnsName is null ? null : [dnsName]);
        Assert.Equal(matches, PermittedPeer.Parse(entry).Matches(certificate));
    }

    [Fact]
    public void A_fingerprint_matches_that_certificate_only_in_rsyslogs_notation_with_or_without_colons()
    {
        using var pinned = ca.Issue("CN=pinned");
        using var other = ca.Issue("CN=pinned");
        var sha256 = Convert.ToHexString(SHA256.HashData(pinned.RawData));
        var sha1 = string.Join(':', Convert.ToHexString(SHA1.HashData(pinned.RawData)).Chunk(2).Select(c => new string(c)));

        foreach (var entry in new[] { "SHA256:" + sha256, "sha256:" + sha256.ToLowerInvariant(), "SHA1:" + sha1 })
        {
            Assert.True(PermittedPeer.Parse(entry).Matches(pinned), entry);
            Assert.False(PermittedPeer.Parse(entry).Matches(other), entry);
        }
    }

    [Theory]
    [InlineData("SHA256:AB:CD")]
    [InlineData("SHA1:zz")]
    [InlineData("a.*.example.org")]
    [InlineData("web*.example.org")]
    [InlineData("host..example.org")]
    [InlineData("")]
    public void A_malformed_entry_is_a_config_error_naming_it(string entry)
    {
        var failure = Assert.Throws<StartupException>(() => Parse($"client-certificate = required, client-ca = ca.pem, permitted-peers = [\"{entry}\"]"));
        Assert.Contains($"'{entry}'", failure.Message);
    }

    [Theory]
    [InlineData("optional")]
    [InlineData("required")]
    public void Asking_for_client_certificates_without_client_ca_refuses_to_start(string mode)
    {
        var failure = Assert.Throws<StartupException>(() => Parse($"client-certificate = {mode}"));
        Assert.Equal($"listener 't': tls.client-ca is required when client-certificate is {mode} (the OS store is never trusted for clients)", failure.Message);
    }

    [Fact]
    public void Client_ca_without_asking_for_client_certificates_is_a_config_error()
    {
        var failure = Assert.Throws<StartupException>(() => Parse("client-ca = ca.pem"));
        Assert.Contains("need client-certificate = optional or required", failure.Message);
    }

    public void Dispose() => ca.Dispose();

    private static TlsSettings? Parse(string tls) =>
        ListenerSettings.From(ConfigurationFactory.ParseString($$"""
            syslogintr.listeners.t { kind = tcp, bind = "127.0.0.1:6514", tls { certificate = server.pem
            {{tls}}
            } }
            """)).Single().Tls;
}
