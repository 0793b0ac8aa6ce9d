using Akka.Configuration;
using Syslogintr.Hosting;

namespace Syslogintr.Sinks.Relay;

/// <summary>The <c>syslogintr.relay</c> section.</summary>
/// <param name="MaxMessageSize">Longer messages are cut (at a UTF-8 boundary) before sending.</param>
/// <param name="TcpBuffer">Messages held per TCP destination while it is down or slow; beyond that they are dropped and counted.</param>
/// <param name="PendingPerName">Messages held per host name while it is being resolved.</param>
/// <param name="NameTtl">How long a resolved name is reused.</param>
/// <param name="FailedNameTtl">How long a name that did not resolve is not retried (its messages are dropped and counted).</param>
public sealed record RelaySettings(
    int MaxMessageSize,
    int TcpBuffer,
    int PendingPerName,
    TimeSpan NameTtl,
    TimeSpan FailedNameTtl,
    TimeSpan ConnectTimeout,
    TimeSpan MinBackoff,
    TimeSpan MaxBackoff)
{
    public const int DefaultPort = 514;

    /// <summary>The shipped settings (from the embedded defaults).</summary>
    public static RelaySettings Default => From(Config.Empty);

    public static RelaySettings From(Config config)
    {
        var relay = new SettingsReader(config).Section("syslogintr.relay");
        return new(
            relay.IntBytes("max-message-size"),
            relay.Int("tcp-buffer"),
            relay.Int("pending-per-name"),
            relay.Duration("name-ttl"),
            relay.Duration("failed-name-ttl"),
            relay.Duration("connect-timeout"),
            relay.Duration("min-backoff"),
            relay.Duration("max-backoff"));
    }
}
