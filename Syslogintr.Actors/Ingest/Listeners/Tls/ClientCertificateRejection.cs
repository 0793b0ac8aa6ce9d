namespace Syslogintr.Ingest.Listeners.Tls;

/// <summary>Why a TLS client was refused: <paramref name="Reason"/> is the counter's tag, <paramref name="Detail"/> goes to the log.</summary>
public sealed record ClientCertificateRejection(string Reason, string Detail)
{
    public const string NoCertificate = "no-certificate";
    public const string UntrustedIssuer = "untrusted-issuer";
    public const string NotTimeValid = "not-time-valid";
    public const string WrongUsage = "wrong-usage";
    public const string InvalidChain = "invalid-chain";
    public const string NotPermitted = "not-permitted";

    /// <summary>The handshake failed for a reason other than the client's certificate (not TLS, timeout, protocol error).</summary>
    public const string HandshakeFailed = "handshake-failed";
}
