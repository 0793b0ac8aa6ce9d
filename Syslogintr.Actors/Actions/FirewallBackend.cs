using System.Globalization;
using Akka.Configuration;
using Syslogintr.Hosting;

namespace Syslogintr.Actions;

/// <summary>
/// Turns "ban this target for this long" into firewall commands (argv, never a shell line). The target text is
/// always a validated <see cref="BanTarget"/>, so no log text reaches a command.
/// </summary>
public abstract class FirewallBackend
{
    public abstract string Name { get; }

    /// <summary>True when the firewall lifts a ban by itself at its timeout, so expiry needs no command.</summary>
    public virtual bool ExpiresItself => false;

    /// <summary>Commands run once at start, before restored bans are re-applied.</summary>
    public virtual IEnumerable<IReadOnlyList<string>> Startup() => [];

    public abstract IEnumerable<IReadOnlyList<string>> Ban(BanTarget target, TimeSpan duration);

    public abstract IEnumerable<IReadOnlyList<string>> Unban(BanTarget target);

    /// <summary>Commands that lift bans that expired while the node was down (whatever the firewall did not drop itself).</summary>
    public virtual IEnumerable<IReadOnlyList<string>> LiftStale(BanTarget target) => ExpiresItself ? [] : Unban(target);

    /// <summary>
    /// Commands that make a ban held already last <paramref name="remaining"/> from now (another node banned the
    /// target for longer). Only a firewall that expires bans itself needs any: for the others our timer lifts it.
    /// </summary>
    public virtual IEnumerable<IReadOnlyList<string>> Extend(BanTarget target, TimeSpan remaining) =>
        ExpiresItself ? [.. Unban(target), .. Ban(target, remaining)] : [];

    /// <param name="ban">The <c>syslogintr.ban</c> section.</param>
    public static FirewallBackend From(SettingsReader ban) => ban.String("backend") switch
    {
        "none" => new DryRun(),
        "nftables" => new Nftables(ban.Section("nftables")),
        "iptables" => new Iptables(ban.Section("iptables")),
        "ipset" => new Ipset(ban.Section("ipset")),
        var other => throw new ConfigurationException($"'syslogintr.ban.backend' must be none, nftables, iptables or ipset, not '{other}'"),
    };

    private static string Seconds(TimeSpan duration) =>
        Math.Max(1, (long)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Logs what it would do and runs nothing.</summary>
    public sealed class DryRun : FirewallBackend
    {
        public override string Name => "none";

        public override IEnumerable<IReadOnlyList<string>> Ban(BanTarget target, TimeSpan duration) => [];

        public override IEnumerable<IReadOnlyList<string>> Unban(BanTarget target) => [];
    }

    /// <summary>
    /// Adds elements with a timeout to a named set of an existing table (e.g.
    /// <c>nft add set inet filter syslogintr4 '{ type ipv4_addr; flags timeout, interval; }'</c> and a rule that drops
    /// <c>ip saddr @syslogintr4</c>). The kernel removes elements at their timeout, which survives our restarts.
    /// </summary>
    public sealed class Nftables(SettingsReader c) : FirewallBackend
    {
        private readonly string program = c.String("program");
        private readonly string[] table = c.String("table").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        private readonly string set4 = c.String("set4");
        private readonly string set6 = c.String("set6");

        public override string Name => "nftables";

        public override bool ExpiresItself => true;

        public override IEnumerable<IReadOnlyList<string>> Ban(BanTarget target, TimeSpan duration) =>
            [[program, "add", "element", .. table, Set(target), $"{{ {target.Text} timeout {Seconds(duration)}s }}"]];

        public override IEnumerable<IReadOnlyList<string>> Unban(BanTarget target) =>
            [[program, "delete", "element", .. table, Set(target), $"{{ {target.Text} }}"]];

        private string Set(BanTarget target) => target.IsIPv6 ? set6 : set4;
    }

    /// <summary>
    /// One DROP rule per ban in a chain of its own (jumped to from INPUT by the administrator), as the original's
    /// ssh-iptables module did. The chain is ours: it is flushed at start and the live bans re-inserted.
    /// </summary>
    public sealed class Iptables(SettingsReader c) : FirewallBackend
    {
        private readonly string program4 = c.String("program");
        private readonly string program6 = c.String("program6");
        private readonly string chain = c.String("chain");
        private readonly string jump = c.String("target");

        public override string Name => "iptables";

        public override IEnumerable<IReadOnlyList<string>> Startup() =>
            [[program4, "-w", "-F", chain], [program6, "-w", "-F", chain]];

        public override IEnumerable<IReadOnlyList<string>> Ban(BanTarget target, TimeSpan duration) =>
            [[Program(target), "-w", "-I", chain, "-s", target.Text, "-j", jump]];

        public override IEnumerable<IReadOnlyList<string>> Unban(BanTarget target) =>
            [[Program(target), "-w", "-D", chain, "-s", target.Text, "-j", jump]];

        /// <summary>Start flushed the chain: nothing stale is left in it.</summary>
        public override IEnumerable<IReadOnlyList<string>> LiftStale(BanTarget target) => [];

        private string Program(BanTarget target) => target.IsIPv6 ? program6 : program4;
    }

    /// <summary>Adds to and deletes from two existing ipsets (hash:net, family inet and inet6), idempotently (<c>-exist</c>).</summary>
    public sealed class Ipset(SettingsReader c) : FirewallBackend
    {
        private readonly string program = c.String("program");
        private readonly string set4 = c.String("set4");
        private readonly string set6 = c.String("set6");

        public override string Name => "ipset";

        public override IEnumerable<IReadOnlyList<string>> Ban(BanTarget target, TimeSpan duration) =>
            [[program, "add", Set(target), target.Text, "-exist"]];

        public override IEnumerable<IReadOnlyList<string>> Unban(BanTarget target) =>
            [[program, "del", Set(target), target.Text, "-exist"]];

        private string Set(BanTarget target) => target.IsIPv6 ? set6 : set4;
    }
}
