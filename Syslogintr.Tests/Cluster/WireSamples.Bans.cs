using Syslogintr.Actions;

namespace Syslogintr.Tests.Cluster;

/// <summary>Samples of the replicated ban list's values, for the wire format's round-trip test.</summary>
public static partial class WireSamples
{
    public static IEnumerable<object> Bans() =>
    [
        new BanEntry("192.0.2.7", new DateTimeOffset(2026, 12, 1, 18, 10, 0, TimeSpan.Zero), "5 failures", "sshblock", "127.0.0.1:4053", new DateTimeOffset(2026, 12, 1, 18, 0, 0, 123, TimeSpan.Zero)),
        new BanEntry("2001:db8::/32", new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.FromHours(2)), "", "", "node-b.example:25520", DateTimeOffset.MinValue),
        new BansDecided([new BanEntry("198.51.100.0/24", new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero), "scan", "portscan", "10.0.0.2:4053", new DateTimeOffset(2026, 12, 2, 5, 0, 0, 7, TimeSpan.Zero))]),
        new BansDecided([]),
    ];
}
