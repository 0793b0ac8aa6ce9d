using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Syslogintr.Metrics;

namespace Syslogintr.Ingest.Listeners.Tls;

/// <summary>
/// The TLS side of one listener: its certificate, who may connect (<see cref="ClientCertificatePolicy"/>), and the
/// handshake. A refused handshake is counted by reason and logged at most once per reason per
/// <see cref="WarningInterval"/>, because clients retry at once and would flood the log.
/// </summary>
internal sealed class TlsServer : IDisposable
{
    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    private readonly string listener;
    private readonly TlsSettings settings;
    private readonly X509Certificate2 certificate;
    private readonly ClientCertificatePolicy? clients;
    private readonly ListenerCounters counters;
    private readonly ILoggingAdapter log;
    private readonly WarningThrottle warnings;

    private TlsServer(string listener, TlsSettings settings, X509Certificate2 certificate, ClientCertificatePolicy? clients, ListenerCounters counters, TimeProvider clock, ILoggingAdapter log)
    {
        this.listener = listener;
        this.settings = settings;
        this.certificate = certificate;
        this.clients = clients;
        this.counters = counters;
        this.log = log;
        warnings = new WarningThrottle(clock, WarningInterval);
    }

    /// <exception cref="System.Security.Cryptography.CryptographicException">A certificate, key or CA file is unusable.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static TlsServer Load(string listener, TlsSettings settings, ListenerCounters counters, TimeProvider clock, ILoggingAdapter log)
    {
        var certificate = TlsCertificates.Load(settings);
        try
        {
            var clients = settings.ClientCertificate == ClientCertificateMode.None ? null : ClientCertificatePolicy.Load(settings);
            return new TlsServer(listener, settings, certificate, clients, counters, clock, log);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>The TLS stream after a successful handshake; null (counted, logged) when it fails or is refused.</summary>
    public async Task<SslStream?> AuthenticateAsync(Stream network, string? remote, CancellationToken aborted)
    {
        ClientCertificateRejection? rejection = null;
        var tls = new SslStream(network, leaveInnerStreamOpen: false, (_, presented, chain, _) =>
        {
            // SslStream's own verdict is ignored: it may have consulted the OS store. Ours trusts client-ca only.
            rejection = clients?.Check(presented as X509Certificate2, chain?.ChainPolicy.ExtraStore ?? []);
            return rejection is null;
        });
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(settings.HandshakeTimeout);
        try
        {
            await tls.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    ClientCertificateRequired = clients is not null,
                    CertificateChainPolicy = clients?.ChainPolicy(),
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                },
                deadline.Token);
            return tls;
        }
        catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            await tls.DisposeAsync();
            Refused(remote, rejection ?? new ClientCertificateRejection(ClientCertificateRejection.HandshakeFailed, e.Message));
            return null;
        }
    }

    public void Dispose()
    {
        certificate.Dispose();
        clients?.Dispose();
    }

    private void Refused(string? remote, ClientCertificateRejection rejection)
    {
        counters.OnError();
        counters.OnTlsRejected(rejection.Reason);
        if (warnings.TryPass(rejection.Reason, out var suppressed))
        {
            var more = suppressed > 0 ? $" ({suppressed} more {rejection.Reason} since the last line)" : "";
            log.Warning("listener {0}: TLS handshake with {1} refused, {2}: {3}{4}", listener, remote, rejection.Reason, rejection.Detail, more);
        }
    }
}
