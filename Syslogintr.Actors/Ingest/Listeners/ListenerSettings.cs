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
    public static IReadOnlyList<ListenerSettings> From(Config config) =>
        config.NamedEntries("syslogintr.listeners").Select(e => Parse(e.Name, e.Config)).ToList();

    private static ListenerSettings Parse(string name, Config c)
    {
        var kind = c.GetString("kind", "") switch
        {
            "udp" => ListenerKind.Udp,
            "tcp" => ListenerKind.Tcp,
            "unix" => ListenerKind.Unix,
            var other => throw new StartupException($"listener '{name}': kind must be udp, tcp or unix, not '{other}'"),
        };
        IPEndPoint? bind = null;
        string? path = null;
        if (kind == ListenerKind.Unix)
        {
            path = c.GetString("path", "");
            if (string.IsNullOrEmpty(path))
            {
                throw new StartupException($"listener '{name}': a unix listener needs a path");
            }

            path = System.IO.Path.GetFullPath(path);
        }
        else if (!IPEndPoint.TryParse(c.GetString("bind", ""), out bind) || bind.Port == 0)
        {
            throw new StartupException($"listener '{name}': bind must be ADDRESS:PORT (e.g. \"0.0.0.0:514\" or \"[::]:514\"), not '{c.GetString("bind", "")}'");
        }

        return new ListenerSettings(
            name,
            kind,
            bind,
            path,
            c.GetIntByteSize("receive-buffer", 8 * 1024 * 1024),
            c.GetIntByteSize("max-message-size", kind == ListenerKind.Unix ? 1024 * 1024 : 64 * 1024),
            c.GetTimeSpan("idle-timeout", TimeSpan.FromMinutes(10)),
            c.GetInt("max-connections", 1000),
            kind == ListenerKind.Tcp && c.HasPath("tls") ? TlsSettings.From(name, c.GetConfig("tls")) : null,
            c.GetInt("max-connections-per-address", 100),
            c.GetTimeSpan("first-frame-timeout", TimeSpan.FromSeconds(30)),
            c.GetTimeSpan("frame-timeout", TimeSpan.FromSeconds(30)));
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
    public static TlsSettings From(string listener, Config c)
    {
        var certificate = c.GetString("certificate", "");
        if (string.IsNullOrEmpty(certificate))
        {
            throw new StartupException($"listener '{listener}': tls needs a certificate");
        }

        var mode = c.GetString("client-certificate", "none") switch
        {
            "none" => ClientCertificateMode.None,
            "optional" => ClientCertificateMode.Optional,
            "required" => ClientCertificateMode.Required,
            var other => throw new StartupException($"listener '{listener}': client-certificate must be none, optional or required, not '{other}'"),
        };
        var key = c.GetString("key", "");
        var passwordEnv = c.GetString("password-env", "");
        var clientCa = c.GetString("client-ca", "");
        var peers = c.HasPath("permitted-peers") ? c.GetStringList("permitted-peers") : [];
        if (mode == ClientCertificateMode.None && (clientCa.Length > 0 || peers.Count > 0))
        {
            throw new StartupException($"listener '{listener}': tls.client-ca and tls.permitted-peers need client-certificate = optional or required");
        }

        if (mode != ClientCertificateMode.None && clientCa.Length == 0)
        {
            throw new StartupException($"listener '{listener}': tls.client-ca is required when client-certificate is {mode.ToString().ToLowerInvariant()} (the OS store is never trusted for clients)");
        }

        return new TlsSettings(
            System.IO.Path.GetFullPath(certificate),
            key.Length == 0 ? null : System.IO.Path.GetFullPath(key),
            passwordEnv.Length == 0 ? null : passwordEnv,
            mode,
            c.GetTimeSpan("handshake-timeout", TimeSpan.FromSeconds(10)),
            clientCa.Length == 0 ? null : System.IO.Path.GetFullPath(clientCa),
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
