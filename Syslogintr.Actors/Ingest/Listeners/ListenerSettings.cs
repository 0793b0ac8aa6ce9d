using System.Net;
using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Listeners.Tls;

namespace Syslogintr.Ingest.Listeners;

public enum ListenerKind
{
    Udp,
    Tcp,
    Unix,
}

/// <summary>
/// One <c>syslogintr.listeners.&lt;name&gt;</c> entry. A TCP connection is closed when it delivers no message for
/// <see cref="IdleTimeout"/> (<see cref="FirstFrameTimeout"/> until its first message, when shorter), or when one
/// message takes longer than <see cref="FrameTimeout"/> from its first byte: silent or dribbling connections cannot
/// hold the <see cref="MaxConnections"/> slots, and no one address holds more than <see cref="MaxConnectionsPerAddress"/>.
/// </summary>
public sealed record ListenerSettings(
    string Name,
    ListenerKind Kind,
    IPEndPoint? Bind,
    string? Path,
    int ReceiveBuffer,
    int MaxMessageSize,
    TimeSpan IdleTimeout,
    int MaxConnections,
    TlsSettings? Tls,
    int MaxConnectionsPerAddress,
    TimeSpan FirstFrameTimeout,
    TimeSpan FrameTimeout)
{
    /// <summary>A socket bound by someone else (socket activation) that a datagram listener reads instead of binding its own.</summary>
    public InheritedSocket? Inherited { get; init; }

    /// <summary>
    /// How long a datagram listener waits after draining its socket before reading again (<c>linger</c>): what
    /// arrives meanwhile is read and routed as one batch. Zero reads again at once (a wake-up per datagram).
    /// </summary>
    public TimeSpan Linger { get; init; }

    /// <summary>
    /// Every enabled entry of <paramref name="config"/>'s <c>syslogintr.listeners</c>, each over
    /// <c>syslogintr.listener-defaults.&lt;kind&gt;</c> and then <c>syslogintr.listener-defaults</c> (a unix datagram's
    /// size limit differs), so a listener of the user's own has every key.
    /// </summary>
    public static IReadOnlyList<ListenerSettings> From(Config config)
    {
        var settings = new SettingsReader(config);
        return config.NamedEntries("syslogintr.listeners").Select(e => Parse(e.Name, e.Config, settings)).ToList();
    }

    internal static ListenerSettings Parse(string name, Config entry, SettingsReader settings)
    {
        var kindName = entry.HasPath("kind") ? entry.GetString("kind") : null;
        var kind = kindName switch
        {
            "udp" => ListenerKind.Udp,
            "tcp" => ListenerKind.Tcp,
            "unix" => ListenerKind.Unix,
            var other => throw new StartupException($"listener '{name}': kind must be udp, tcp or unix, not '{other}'"),
        };
        var path = $"syslogintr.listeners.{name}";
        var c = settings.Entry(entry, path, $"syslogintr.listener-defaults.{kindName}", "syslogintr.listener-defaults");
        IPEndPoint? bind = null;
        string? socketPath = null;
        if (kind == ListenerKind.Unix)
        {
            socketPath = c.Optional("path") ?? throw new StartupException($"listener '{name}': a unix listener needs a path");
            socketPath = System.IO.Path.GetFullPath(socketPath);
        }
        else if (!IPEndPoint.TryParse(c.Optional("bind") ?? "", out bind) || bind.Port == 0)
        {
            throw new StartupException($"listener '{name}': bind must be ADDRESS:PORT (e.g. \"0.0.0.0:514\" or \"[::]:514\"), not '{c.Optional("bind")}'");
        }

        return new ListenerSettings(
            name,
            kind,
            bind,
            socketPath,
            c.IntBytes("receive-buffer"),
            c.IntBytes("max-message-size"),
            c.Duration("idle-timeout"),
            c.Int("max-connections"),
            kind == ListenerKind.Tcp && entry.HasPath("tls")
                ? TlsSettings.From(name, settings.Entry(entry.GetConfig("tls"), $"{path}.tls", "syslogintr.listener-defaults.tls"))
                : null,
            c.Int("max-connections-per-address"),
            c.Duration("first-frame-timeout"),
            c.Duration("frame-timeout"))
        {
            Linger = c.Duration("linger", TimeSpan.Zero, TimeSpan.FromMilliseconds(100)),
        };
    }
}

/// <summary>
/// TLS (RFC 5425) for a TCP listener: a PKCS#12 file, or a PEM certificate and key. Client certificates, when asked
/// for, must chain to <see cref="ClientCa"/> (required then: the OS store would trust any public CA's customer)
/// and, if <see cref="PermittedPeers"/> lists any, match one of them.
/// </summary>
public sealed record TlsSettings(
    string Certificate,
    string? Key,
    string? PasswordEnvironmentVariable,
    ClientCertificateMode ClientCertificate,
    TimeSpan HandshakeTimeout,
    string? ClientCa,
    IReadOnlyList<PermittedPeer> PermittedPeers)
{
    /// <summary>A listener's <c>tls</c> section, over <c>syslogintr.listener-defaults.tls</c>.</summary>
    public static TlsSettings From(string listener, SettingsReader c)
    {
        var certificate = c.Optional("certificate")
            ?? throw new StartupException($"listener '{listener}': tls needs a certificate");
        var mode = c.String("client-certificate") switch
        {
            "none" => ClientCertificateMode.None,
            "optional" => ClientCertificateMode.Optional,
            "required" => ClientCertificateMode.Required,
            var other => throw new StartupException($"listener '{listener}': client-certificate must be none, optional or required, not '{other}'"),
        };
        var key = c.Optional("key");
        var passwordEnv = c.Optional("password-env");
        var clientCa = c.Optional("client-ca");
        var peers = c.Strings("permitted-peers");
        if (mode == ClientCertificateMode.None && (clientCa is not null || peers.Count > 0))
        {
            throw new StartupException($"listener '{listener}': tls.client-ca and tls.permitted-peers need client-certificate = optional or required");
        }

        if (mode != ClientCertificateMode.None && clientCa is null)
        {
            throw new StartupException($"listener '{listener}': tls.client-ca is required when client-certificate is {mode.ToString().ToLowerInvariant()} (the OS store is never trusted for clients)");
        }

        return new TlsSettings(
            System.IO.Path.GetFullPath(certificate),
            key is null ? null : System.IO.Path.GetFullPath(key),
            passwordEnv,
            mode,
            c.Duration("handshake-timeout"),
            clientCa is null ? null : System.IO.Path.GetFullPath(clientCa),
            peers.Select(p => ParsePeer(listener, p)).ToList());
    }

    private static PermittedPeer ParsePeer(string listener, string entry)
    {
        try
        {
            return PermittedPeer.Parse(entry);
        }
        catch (FormatException e)
        {
            throw new StartupException($"listener '{listener}': tls.permitted-peers: {e.Message}");
        }
    }
}

public enum ClientCertificateMode
{
    None,
    Optional,
    Required,
}
