using System.Net;
using Akka.Configuration;

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
        var section = config.HasPath("syslogintr.ban") ? config.GetConfig("syslogintr.ban") : ConfigurationFactory.Empty;
        var neverBan = section.HasPath("never-ban") ? section.GetStringList("never-ban") : ["127.0.0.0/8", "::1/128"];
        return new BanSettings(
            FirewallBackend.From(section),
            section.GetString("state-file", "./var/lib/syslogintr/bans.json"),
            section.GetInt("max-bans", 10_000),
            section.GetTimeSpan("max-duration", TimeSpan.FromDays(30)),
            neverBan.Select(n => IPNetwork.TryParse(n.Contains('/') ? n : n + (n.Contains(':') ? "/128" : "/32"), out var net)
                ? net
                : throw new ConfigurationException($"'syslogintr.ban.never-ban' entry '{n}' is not an address or network")).ToList(),
            section.GetTimeSpan("command-timeout", TimeSpan.FromSeconds(10)),
            section.GetTimeSpan("persist-interval", TimeSpan.FromSeconds(1)));
    }
}
