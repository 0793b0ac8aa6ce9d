using System.Security.Cryptography.X509Certificates;

namespace Syslogintr.Ingest.Listeners.Tls;

/// <summary>
/// Who may connect to a TLS listener that asks for client certificates: exactly the CAs of <c>tls.client-ca</c>
/// (never the operating system's store, which trusts every public CA), then, if any are listed, only the
/// <c>tls.permitted-peers</c>. Revocation is not checked: that would need the network (CRL/OCSP) at handshake time;
/// remove a revoked client from <c>permitted-peers</c> or re-issue the CA instead.
/// </summary>
public sealed class ClientCertificatePolicy : IDisposable
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private readonly X509Certificate2Collection authorities;
    private readonly IReadOnlyList<PermittedPeer> permittedPeers;
    private readonly bool required;

    public ClientCertificatePolicy(X509Certificate2Collection authorities, IReadOnlyList<PermittedPeer> permittedPeers, bool required)
    {
        if (authorities.Count == 0)
        {
            throw new ArgumentException("at least one CA certificate is needed", nameof(authorities));
        }

        this.authorities = authorities;
        this.permittedPeers = permittedPeers;
        this.required = required;
    }

    /// <summary>The CAs of a PEM bundle (one or more certificates).</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The file holds no certificate.</exception>
    public static ClientCertificatePolicy Load(TlsSettings tls)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(tls.ClientCa!);
        if (authorities.Count == 0)
        {
            throw new System.Security.Cryptography.CryptographicException($"{tls.ClientCa} holds no PEM certificate");
        }

        return new ClientCertificatePolicy(authorities, tls.PermittedPeers, tls.ClientCertificate == ClientCertificateMode.Required);
    }

    /// <summary>
    /// A fresh chain policy trusting only the client CAs, without downloads (a certificate's AIA address must not make
    /// us fetch anything) or revocation checks. Given to SslStream too, so its own chain build never consults the OS store.
    /// </summary>
    public X509ChainPolicy ChainPolicy()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(authorities);
        policy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ClientAuthentication));
        return policy;
    }

    /// <summary>Null when <paramref name="certificate"/> may connect; <paramref name="intermediates"/> are those the client sent.</summary>
    public ClientCertificateRejection? Check(X509Certificate2? certificate, IEnumerable<X509Certificate2> intermediates)
    {
        if (certificate is null)
        {
            return required ? new ClientCertificateRejection(ClientCertificateRejection.NoCertificate, "no client certificate") : null;
        }

        using var chain = new X509Chain { ChainPolicy = ChainPolicy() };
        chain.ChainPolicy.ExtraStore.AddRange(intermediates.ToArray());
        var valid = chain.Build(certificate);
        var who = $"{certificate.Subject} (issuer {certificate.Issuer})";
        try
        {
            if (!valid || chain.ChainStatus.Any(s => s.Status != X509ChainStatusFlags.NoError))
            {
                return ChainRejection(chain.ChainStatus.Select(s => s.Status).Aggregate(X509ChainStatusFlags.NoError, (a, b) => a | b), certificate, who, chain);
            }

            if (certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } usage
                && (usage.KeyUsages & X509KeyUsageFlags.DigitalSignature) == 0)
            {
                return new ClientCertificateRejection(ClientCertificateRejection.WrongUsage, $"{who}: key usage {usage.KeyUsages} lacks digitalSignature");
            }

            if (permittedPeers.Count > 0 && !permittedPeers.Any(p => p.Matches(certificate)))
            {
                return new ClientCertificateRejection(ClientCertificateRejection.NotPermitted, $"{who}: not in permitted-peers; it offers {PermittedPeer.Describe(certificate)}");
            }

            return null;
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, certificate))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var authority in authorities)
        {
            authority.Dispose();
        }
    }

    private static ClientCertificateRejection ChainRejection(X509ChainStatusFlags status, X509Certificate2 certificate, string who, X509Chain chain)
    {
        const X509ChainStatusFlags untrusted = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.NotSignatureValid;
        if ((status & untrusted) != 0)
        {
            return new ClientCertificateRejection(ClientCertificateRejection.UntrustedIssuer, $"{who}: does not chain to tls.client-ca ({status})");
        }

        if ((status & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            var expired = chain.ChainElements.Select(e => e.Certificate).FirstOrDefault(c => c.NotAfter < DateTime.Now || c.NotBefore > DateTime.Now) ?? certificate;
            return new ClientCertificateRejection(ClientCertificateRejection.NotTimeValid, $"{who}: {expired.Subject} is valid only from {expired.NotBefore.ToUniversalTime():u} to {expired.NotAfter.ToUniversalTime():u}");
        }

        if ((status & (X509ChainStatusFlags.NotValidForUsage | X509ChainStatusFlags.InvalidExtension)) != 0)
        {
            return new ClientCertificateRejection(ClientCertificateRejection.WrongUsage, $"{who}: not valid for TLS client authentication ({status})");
        }

        var details = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return new ClientCertificateRejection(ClientCertificateRejection.InvalidChain, $"{who}: {status} {details}".TrimEnd());
    }
}
