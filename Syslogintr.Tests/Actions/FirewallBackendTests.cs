using Akka.Configuration;
using Syslogintr.Actions;

namespace Syslogintr.Tests.Actions;

public sealed class FirewallBackendTests
{
    [Theory]
    [InlineData("nftables", "nft delete element inet filter syslogintr4 { 192.0.2.7 }|nft add element inet filter syslogintr4 { 192.0.2.7 timeout 1200s }")]
    [InlineData("iptables", "")]
    [InlineData("ipset", "")]
    public void Extending_a_ban_re_adds_it_only_where_the_firewall_expires_it_itself(string backend, string expected)
    {
        var settings = BanSettings.From(ConfigurationFactory.ParseString($"syslogintr.ban.backend = {backend}"));
        var target = BanTarget.TryParse("192.0.2.7", out var parsed) ? parsed : throw new InvalidOperationException();

        Assert.Equal(expected, string.Join("|", settings.Backend.Extend(target, TimeSpan.FromMinutes(20)).Select(argv => string.Join(" ", argv))));
    }
}
