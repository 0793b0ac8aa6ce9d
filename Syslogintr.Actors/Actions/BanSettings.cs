using System.Net;
using Akka.Configuration;
using Syslogintr.Hosting;

namespace Syslogintr.Actions;

/// <summary>The <c>syslogintr.ban</c> section.</summary>
/// <param name="StateFile">The ban list, rewritten (temp file + rename) after changes, read at start.</param>
/// <param name="MaxBans">Bans held at once; a new one beyond that lifts the ban closest to expiry.</param>
/// <param name="MaxDuration">Longer requests are shortened to this.</param>
/// <param name="NeverBan">Networks no rule can ban (the node's own loopback, management networks).</param>
/// <param name="CommandTimeout">How long a firewall command may run before it is killed.</param>
public sealed record BanSettings(
    FirewallBackend Backend,
    string StateFile,
    int MaxBans,
    TimeSpan MaxDuration,
    IReadOnlyList<IPNetwork> NeverBan,
    TimeSpan CommandTimeout,
    TimeSpan PersistInterval)
{
    public static BanSettings From(Config config)
    {
        var section = new SettingsReader(config).Section("syslogintr.ban");
        return new BanSettings(
            FirewallBackend.From(section),
            section.String("state-file"),
            section.Int("max-bans"),
            section.Duration("max-duration"),
            section.Strings("never-ban").Select(n => IPNetwork.TryParse(n.Contains('/') ? n : n + (n.Contains(':') ? "/128" : "/32"), out var net)
                ? net
                : throw new ConfigurationException($"'syslogintr.ban.never-ban' entry '{n}' is not an address or network")).ToList(),
            section.Duration("command-timeout"),
            section.Duration("persist-interval"));
    }
}
