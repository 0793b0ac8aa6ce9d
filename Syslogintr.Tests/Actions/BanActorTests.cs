using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Syslogintr.Actions;
using Syslogintr.Metrics;
using Syslogintr.Node;

namespace Syslogintr.Tests.Actions;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BanActorTests : TestKit, IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("ban-").FullName;
    private readonly BanCounters counters = new();
    private readonly ActionCounters execCounters = new();

    public BanActorTests()
        : base(NodeConfig.Defaults())
    {
    }

    private string StateFile => Path.Combine(folder, "state", "bans.json");

    private string CommandLog => Path.Combine(folder, "commands.log");

    [Fact]
    public void Dry_run_bans_ignores_duplicates_and_lifts_the_ban_when_its_time_is_up()
    {
        var ban = Sys.ActorOf(BanActor.Props(Settings("backend = none"), counters, execCounters, TimeProvider.System));

        ban.Tell(new BanRequested("192.0.2.7", TimeSpan.FromHours(1), "5 failures", "sshblock"));
        ban.Tell(new BanRequested("192.0.2.7", TimeSpan.FromHours(1), "5 failures", "sshblock"));
        // A second address whose ban ends at once: on a busy machine a one-second ban can end before its
        // first save is read, so what is stored is checked on the long ban and the lifting on this one.
        ban.Tell(new BanRequested("192.0.2.8", TimeSpan.FromSeconds(1), "5 failures", "sshblock"));

        AwaitAssert(() => Assert.Equal(1, counters.Lifted), TimeSpan.FromSeconds(10));
        Assert.Equal(2, counters.Banned);
        Assert.Equal(1, counters.Duplicates);
        AwaitAssert(() => Assert.Equal(["192.0.2.7"], StoredAddresses()));
    }

    [Fact]
    public void Invalid_and_protected_addresses_are_refused_and_run_no_command()
    {
        var ban = Sys.ActorOf(BanActor.Props(Settings(Iptables()), counters, execCounters, TimeProvider.System));

        ban.Tell(new BanRequested("1.2.3.4 -j ACCEPT", TimeSpan.FromMinutes(10), "x", "evil"));
        ban.Tell(new BanRequested("example.com", TimeSpan.FromMinutes(10), "x", "evil"));
        ban.Tell(new BanRequested("127.0.0.1", TimeSpan.FromMinutes(10), "x", "evil"));
        ban.Tell(new BanRequested("192.0.2.1", TimeSpan.Zero, "x", "evil"));

        AwaitAssert(() => Assert.Equal(4, counters.Refused));
        AwaitAssert(() => Assert.Equal(2, Commands().Count));
        Assert.Equal(["iptables -w -F syslogintr", "ip6tables -w -F syslogintr"], Commands());
    }

    [Fact]
    public void A_real_backend_runs_argv_commands_to_ban_and_unban_per_address_family()
    {
        var ban = Sys.ActorOf(BanActor.Props(Settings(Iptables()), counters, execCounters, TimeProvider.System));

        ban.Tell(new BanRequested("192.0.2.7", TimeSpan.FromSeconds(1), "5 failures", "sshblock"));
        ban.Tell(new BanRequested("2001:db8::7", TimeSpan.FromMinutes(10), "5 failures", "sshblock"));

        AwaitAssert(
            () => Assert.Equal(
                [
                    "iptables -w -F syslogintr",
                    "ip6tables -w -F syslogintr",
                    "iptables -w -I syslogintr -s 192.0.2.7 -j DROP",
                    "ip6tables -w -I syslogintr -s 2001:db8::7 -j DROP",
                    "iptables -w -D syslogintr -s 192.0.2.7 -j DROP",
                ],
                Commands()),
            TimeSpan.FromSeconds(5));
        AwaitAssert(() => Assert.Equal(["2001:db8::7"], StoredAddresses()));
    }

    [Fact]
    public void The_ban_list_survives_a_restart_live_bans_reapplied_and_expired_ones_lifted()
    {
        var now = DateTimeOffset.UtcNow;
        BanStateFile.Save(StateFile, [
            new BanRecord("192.0.2.8", now.AddMinutes(10), "earlier", "sshblock"),
            new BanRecord("192.0.2.9", now.AddMinutes(-1), "earlier", "sshblock"),
        ]);
        var ipset = $"backend = ipset\nipset {{ program = \"{Recorder("ipset")}\" }}";

        var first = Sys.ActorOf(BanActor.Props(Settings(ipset), counters, execCounters, TimeProvider.System));
        AwaitAssert(() => Assert.Equal(["ipset add syslogintr4 192.0.2.8 -exist", "ipset del syslogintr4 192.0.2.9 -exist"], Commands()));
        AwaitAssert(() => Assert.Equal(["192.0.2.8"], StoredAddresses()));
        first.Tell(new BanRequested("2001:db8::1", TimeSpan.FromMinutes(5), "new", "sshblock"));
        // Its command runs in a process of its own: let it finish before the log is cleared for the second actor.
        AwaitAssert(() => Assert.Contains("ipset add syslogintr6 2001:db8::1 -exist", Commands()));
        Watch(first);
        first.Tell(PoisonPill.Instance);
        ExpectTerminated(first);
        Assert.Equal(["2001:db8::1", "192.0.2.8"], StoredAddresses());

        File.Delete(CommandLog);
        Sys.ActorOf(BanActor.Props(Settings(ipset), counters, execCounters, TimeProvider.System));
        AwaitAssert(() => Assert.Equal(["ipset add syslogintr6 2001:db8::1 -exist", "ipset add syslogintr4 192.0.2.8 -exist"], Commands()));
    }

    [Fact]
    public void Nftables_adds_elements_with_a_timeout_and_lets_the_kernel_expire_them()
    {
        var nft = $"backend = nftables\nnftables {{ program = \"{Recorder("nft")}\", table = \"inet filter\" }}";
        var ban = Sys.ActorOf(BanActor.Props(Settings(nft), counters, execCounters, TimeProvider.System));

        ban.Tell(new BanRequested("2001:db8::/32", TimeSpan.FromSeconds(1), "x", "sshblock"));
        ban.Tell(new BanRequested("192.0.2.7", TimeSpan.FromSeconds(90.5), "x", "sshblock"));

        AwaitAssert(() => Assert.Equal(
            [
                "nft add element inet filter syslogintr6 { 2001:db8::/32 timeout 1s }",
                "nft add element inet filter syslogintr4 { 192.0.2.7 timeout 91s }",
            ],
            Commands()));
        AwaitAssert(() => Assert.Equal(1, counters.Lifted), TimeSpan.FromSeconds(5));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, Commands().Count);
    }

    [Fact]
    public void A_failing_firewall_command_is_counted()
    {
        var ban = Sys.ActorOf(BanActor.Props(Settings("backend = nftables\nnftables { program = \"false\" }"), counters, execCounters, TimeProvider.System));

        ban.Tell(new BanRequested("192.0.2.7", TimeSpan.FromMinutes(1), "x", "sshblock"));

        AwaitAssert(() => Assert.Equal(1, counters.CommandFailures(FirewallStep.Ban)), TimeSpan.FromSeconds(5));
    }

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    private BanSettings Settings(string backend) => BanSettings.From(ConfigurationFactory.ParseString(
        $"syslogintr.ban {{\n{backend}\nstate-file = \"{StateFile}\"\npersist-interval = 50ms }}"));

    private string Iptables() => $"backend = iptables\niptables {{ program = \"{Recorder("iptables")}\", program6 = \"{Recorder("ip6tables")}\" }}";

    /// <summary>A harmless stand-in for a firewall tool: appends its name and argv to the command log.</summary>
    private string Recorder(string name)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, $"#!/bin/sh\necho \"{name} $*\" >> \"{CommandLog}\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private List<string> Commands() => File.Exists(CommandLog) ? [.. File.ReadAllLines(CommandLog)] : [];

    private List<string> StoredAddresses() =>
        File.Exists(StateFile)
            ? [.. JsonDocument.Parse(File.ReadAllText(StateFile)).RootElement.EnumerateArray().Select(e => e.GetProperty("address").GetString()!)]
            : [];
}
