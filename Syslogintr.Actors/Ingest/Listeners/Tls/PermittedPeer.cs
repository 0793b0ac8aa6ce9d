using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Syslogintr.Ingest.Listeners.Tls;

/// <summary>
/// One <c>tls.permitted-peers</c> entry, as rsyslog's <c>StreamDriverPermittedPeers</c> writes them: a certificate
/// fingerprint (<c>SHA256:AB:CD:…</c> or <c>SHA1:AB:…</c>, colons optional), or a host name matched against the
/// certificate's DNS subject alternative names and its subject CN, where a leading <c>*.</c> stands for exactly one label.
/// </summary>
public abstract record PermittedPeer
{
    /// <exception cref="FormatException">The entry is neither a well-formed fingerprint nor a host name.</exception>
    public static PermittedPeer Parse(string entry)
    {
        var separator = entry.IndexOf(':', StringComparison.Ordinal);
        var algorithm = separator < 0 ? "" : entry[..separator].ToUpperInvariant();
        if (algorithm is "SHA256" or "SHA1")
        {
            var hex = entry[(separator + 1)..].Replace(":", "", StringComparison.Ordinal);
            var length = algorithm == "SHA256" ? 32 : 20;
            try
            {
                var bytes = Convert.FromHexString(hex);
                if (bytes.Length == length)
                {
                    return new Fingerprint(algorithm, bytes);
                }
            }
            catch (FormatException)
            {
            }

            throw new FormatException($"'{entry}' is not a {algorithm} fingerprint ({length} hex bytes, e.g. {algorithm}:AB:CD:…)");
        }

        var name = entry.ToLowerInvariant();
        var labels = name.Split('.');
        if (name.Length == 0 || labels.Any(l => l.Length == 0) || labels.Skip(1).Any(l => l.Contains('*')) || (labels[0].Contains('*') && labels[0] != "*"))
        {
            throw new FormatException($"'{entry}' is neither a fingerprint (SHA256:…, SHA1:…) nor a host name (a leading '*.' is the only wildcard)");
        }

        return new Name(name);
    }

    public abstract bool Matches(X509Certificate2 certificate);

    /// <summary>What <paramref name="certificate"/> offers to match against, for the log line that refuses it.</summary>
    public static string Describe(X509Certificate2 certificate) =>
        $"names [{string.Join(", ", NamesOf(certificate).Distinct(StringComparer.OrdinalIgnoreCase))}], SHA256:{Convert.ToHexString(SHA256.HashData(certificate.RawData))}";

    private static IEnumerable<string> NamesOf(X509Certificate2 certificate)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(san => san.EnumerateDnsNames());
        var cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrEmpty(cn) ? names : names.Append(cn);
    }

    private sealed record Fingerprint(string Algorithm, byte[] Hash) : PermittedPeer
    {
        public override bool Matches(X509Certificate2 certificate) =>
            CryptographicOperations.FixedTimeEquals(Algorithm == "SHA256" ? SHA256.HashData(certificate.RawData) : SHA1.HashData(certificate.RawData), Hash);
    }

    private sealed record Name(string Pattern) : PermittedPeer
    {
        public override bool Matches(X509Certificate2 certificate) => NamesOf(certificate).Any(Covers);

        private bool Covers(string name)
        {
            name = name.ToLowerInvariant();
            if (!Pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                return name == Pattern;
            }

            var dot = name.IndexOf('.', StringComparison.Ordinal);
            return dot > 0 && name[(dot + 1)..] == Pattern[2..];
        }
    }
}
