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
/// <param name="Replication">How a ban decided here is written to the cluster's replicated list (cluster enabled only).</param>
public sealed record BanSettings(
    FirewallBackend Backend,
    string StateFile,
    int MaxBans,
    TimeSpan MaxDuration,
    IReadOnlyList<IPNetwork> NeverBan,
    TimeSpan CommandTimeout,
    TimeSpan PersistInterval,
    BanReplication Replication)
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
            section.Duration("persist-interval"),
            BanReplication.From(section.Section("replication")));
    }
}

/// <summary>
/// How many nodes the replicated ban list's copy of a ban decided here is written to before the write counts as
/// done. Whatever the setting, the ban itself is also pushed straight to every other member (<see cref="BansDecided"/>).
/// </summary>
public enum BanWrite
{
    /// <summary>This node's replica only; the others' replicas learn it by gossip (every cluster.replication.gossip-interval).</summary>
    Local,

    /// <summary>Pushed at once to enough nodes for a majority (with 3 nodes: one other), the rest by gossip.</summary>
    Majority,

    /// <summary>Pushed at once to every node.</summary>
    All,
}

/// <summary>
/// The <c>syslogintr.ban.replication</c> section. A write that is not acknowledged within <paramref name="WriteTimeout"/>
/// (a partition, a dead node) is still in this node's replica and spreads by gossip when the nodes meet again.
/// </summary>
public sealed record BanReplication(BanWrite Write, TimeSpan WriteTimeout)
{
    public static BanReplication From(SettingsReader section) => new(
        section.String("write") switch
        {
            "local" => BanWrite.Local,
            "majority" => BanWrite.Majority,
            "all" => BanWrite.All,
            var other => throw new ConfigurationException($"'syslogintr.ban.replication.write' must be local, majority or all, not '{other}'"),
        },
        section.Duration("write-timeout", TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1)));

    public Akka.DistributedData.IWriteConsistency Consistency => Write switch
    {
        BanWrite.Majority => new Akka.DistributedData.WriteMajority(WriteTimeout),
        BanWrite.All => new Akka.DistributedData.WriteAll(WriteTimeout),
        _ => Akka.DistributedData.WriteLocal.Instance,
    };
}
