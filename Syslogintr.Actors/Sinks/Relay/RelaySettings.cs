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

    public static readonly RelaySettings Default = new(8192, 10_000, 1000, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

    public static RelaySettings From(Config config) => new(
        config.GetIntByteSize("syslogintr.relay.max-message-size", Default.MaxMessageSize),
        config.GetInt("syslogintr.relay.tcp-buffer", Default.TcpBuffer),
        config.GetInt("syslogintr.relay.pending-per-name", Default.PendingPerName),
        config.GetTimeSpan("syslogintr.relay.name-ttl", Default.NameTtl),
        config.GetTimeSpan("syslogintr.relay.failed-name-ttl", Default.FailedNameTtl),
        config.GetTimeSpan("syslogintr.relay.connect-timeout", Default.ConnectTimeout),
        config.GetTimeSpan("syslogintr.relay.min-backoff", Default.MinBackoff),
        config.GetTimeSpan("syslogintr.relay.max-backoff", Default.MaxBackoff));
}
