using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Syslogintr.Tests.Ingest.Tls;

/// <summary>A private certificate authority made for one test (ECDSA P-256: handshakes stay cheap).</summary>
internal sealed class TestCa : IDisposable
{
    private readonly ECDsa key;

    private TestCa(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        this.key = key;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>A self-signed CA named <paramref name="subject"/> (which may copy a public root's name: the key is ours).</summary>
    public static TestCa Create(string subject) => Create(new X500DistinguishedName(subject));

    public static TestCa Create(X500DistinguishedName subject)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-5), DateTimeOffset.UtcNow.AddYears(5));
        return new TestCa(certificate, key);
    }

    /// <summary>A leaf certificate with its private key; valid yesterday to tomorrow unless told otherwise.</summary>
    public X509Certificate2 Issue(string subject, string[]? dnsNames = null, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, string usage = "1.3.6.1.5.5.7.3.2", X509KeyUsageFlags keyUsage = X509KeyUsageFlags.DigitalSignature)
    {
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, leafKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        if (dnsNames is { Length: > 0 })
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in dnsNames)
            {
                san.AddDnsName(name);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var issued = request.Create(
            Certificate.SubjectName,
            X509SignatureGenerator.CreateForECDsa(key),
            notBefore ?? DateTimeOffset.UtcNow.AddDays(-1),
            notAfter ?? DateTimeOffset.UtcNow.AddDays(1),
            serial);
        return issued.CopyWithPrivateKey(leafKey);
    }

    /// <summary>Writes the CA certificate as PEM, as <c>tls.client-ca</c> reads it.</summary>
    public string WritePem(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, Certificate.ExportCertificatePem());
        return path;
    }

    public void Dispose()
    {
        Certificate.Dispose();
        key.Dispose();
    }
}

internal static class TestCertificates
{
    /// <summary>Writes <paramref name="certificate"/> and its key as PEM files; returns their paths.</summary>
    public static (string Certificate, string Key) WritePem(X509Certificate2 certificate, string folder, string name)
    {
        var certificatePath = Path.Combine(folder, name + ".crt");
        var keyPath = Path.Combine(folder, name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("not an ECDSA certificate with a key");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    /// <summary>A self-signed certificate with a key, e.g. one claiming a public name.</summary>
    public static X509Certificate2 SelfSigned(string subject, string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }
}
