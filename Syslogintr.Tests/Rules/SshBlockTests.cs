namespace Syslogintr.Tests.Rules;

/// <summary>sshblock.lua's counting and banning, in the real rule host, on messages' own timestamps.</summary>
public sealed class SshBlockTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Bans_at_the_fifth_failure_within_ten_minutes_for_ten_minutes_by_default()
    {
        using var rule = new SshBlockRule("");

        for (var i = 0; i < 5; i++)
        {
            Assert.Empty(rule.Bans);
            rule.Deliver(SshBlockRule.Sshd($"Failed password for root from 192.0.2.7 port {40000 + i} ssh2", T0.AddMinutes(2 * i), pid: 200 + i));
        }

        var ban = Assert.Single(rule.Bans);
        Assert.Equal("192.0.2.7", ban.Address);
        Assert.Equal(TimeSpan.FromMinutes(10), ban.Duration);
        Assert.Empty(rule.Errors);
    }

    [Fact]
    public void Failures_spread_wider_than_findtime_never_add_up_to_a_ban()
    {
        using var rule = new SshBlockRule("maxretry = 3, findtime = 1m");

        for (var i = 0; i < 10; i++)
        {
            rule.Deliver(SshBlockRule.Sshd("Invalid user admin from 2001:db8::7 port 22", T0.AddSeconds(31 * i), pid: 300 + i));
        }

        Assert.Empty(rule.Bans);
        rule.Deliver(SshBlockRule.Sshd("Invalid user admin from 2001:db8::7 port 22", T0.AddSeconds(31 * 9 + 1), pid: 400));
        Assert.Equal("2001:db8::7", Assert.Single(rule.Bans).Address);
    }

    [Fact]
    public void A_banned_address_is_not_banned_again_until_its_ban_ends()
    {
        using var rule = new SshBlockRule("maxretry = 2, bantime = 1h");

        for (var i = 0; i < 6; i++)
        {
            rule.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.8 port 1 ssh2", T0.AddSeconds(i)));
        }

        Assert.Single(rule.Bans);
        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.8 port 1 ssh2", T0.AddHours(1).AddSeconds(10)));
        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.8 port 1 ssh2", T0.AddHours(1).AddSeconds(11)));
        Assert.Equal(2, rule.Bans.Count);
    }

    [Fact]
    public void Ignoreip_networks_of_both_families_are_never_banned()
    {
        using var rule = new SshBlockRule("maxretry = 1, ignoreip = \"10.1.0.0/16 2001:db8:1::/48, 192.0.2.9\"");

        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 10.1.200.3 port 1 ssh2", T0));
        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 2001:db8:1:ffff::1 port 1 ssh2", T0));
        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.9 port 1 ssh2", T0));
        Assert.Empty(rule.Bans);

        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 10.2.0.1 port 1 ssh2", T0));
        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 2001:db8:2::1 port 1 ssh2", T0));
        Assert.Equal(["10.2.0.1", "2001:db8:2::1"], rule.Bans.Select(b => b.Address));
    }

    [Fact]
    public void Loopback_is_ignored_by_default()
    {
        using var rule = new SshBlockRule("maxretry = 1");

        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 127.0.0.2 port 1 ssh2", T0));
        rule.Deliver(SshBlockRule.Sshd("Failed password for root from ::1 port 1 ssh2", T0));

        Assert.Empty(rule.Bans);
    }

    [Theory]
    [InlineData("Invalid user x from 198.51.100.1 from 192.0.2.10 port 22")]
    [InlineData("Failed password for invalid user x from 198.51.100.1 port 1 ssh2 from 192.0.2.10 port 22 ssh2")]
    [InlineData("User x from 198.51.100.1 not allowed because not listed in AllowUsers from 192.0.2.10 not allowed because not listed in AllowUsers")]
    [InlineData("error: PAM: Authentication failure for x from 198.51.100.1 from 192.0.2.10")]
    public void A_user_name_carrying_from_an_address_cannot_blame_that_address(string line)
    {
        using var rule = new SshBlockRule("maxretry = 1");

        rule.Deliver(SshBlockRule.Sshd(line, T0));

        Assert.Equal("192.0.2.10", Assert.Single(rule.Bans).Address);
    }

    [Fact]
    public void Other_programs_and_ambiguous_addresses_are_ignored()
    {
        using var rule = new SshBlockRule("maxretry = 1");

        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.11 port 1 ssh2", T0, program: "notsshd"));
        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 192.030.0.6 port 1 ssh2", T0));
        Assert.Empty(rule.Bans);

        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.12 port 1 ssh2", T0, program: "sshd-session"));
        Assert.Equal("192.0.2.12", Assert.Single(rule.Bans).Address);
        Assert.Empty(rule.Errors);
    }

    [Fact]
    public void A_state_handed_over_keeps_counts_and_bans_so_the_ban_comes_at_maxretry_not_later()
    {
        byte[] handedOver;
        using (var old = new SshBlockRule("maxretry = 5"))
        {
            for (var i = 0; i < 3; i++)
            {
                old.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.7 port 1 ssh2", T0.AddSeconds(i), pid: 500 + i));
            }

            for (var i = 0; i < 5; i++)
            {
                old.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.9 port 1 ssh2", T0.AddSeconds(i), pid: 600 + i));
            }

            Assert.Equal("192.0.2.9", Assert.Single(old.Bans).Address);
            handedOver = old.Snapshot();
        }

        using var successor = new SshBlockRule("maxretry = 5");
        successor.Restore(handedOver);

        successor.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.7 port 1 ssh2", T0.AddSeconds(10), pid: 700));
        Assert.Empty(successor.Bans);
        successor.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.7 port 1 ssh2", T0.AddSeconds(11), pid: 701));
        Assert.Equal("192.0.2.7", Assert.Single(successor.Bans).Address);

        // Still banned where it was banned: no second ban for .9 while its ban lasts.
        successor.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.9 port 1 ssh2", T0.AddSeconds(12), pid: 702));
        Assert.Single(successor.Bans);
        Assert.Empty(successor.Errors);
    }

    [Fact]
    public void A_pam_authentication_failure_only_names_the_host_of_the_failure_sshd_reports_after_it()
    {
        using var rule = new SshBlockRule("maxretry = 2");

        rule.Deliver(SshBlockRule.Sshd("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.20  user=root", T0, pid: 800));
        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.20 port 1 ssh2", T0.AddSeconds(2), pid: 800));
        Assert.Empty(rule.Bans);

        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.20 port 1 ssh2", T0.AddSeconds(4), pid: 800));
        Assert.Equal("192.0.2.20", Assert.Single(rule.Bans).Address);
        Assert.Empty(rule.Errors);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("repeated = true", 4)]
    public void Message_repeated_lines_count_only_with_the_repeated_option(string options, int failures)
    {
        using var rule = new SshBlockRule($"verbose = true, maxretry = 1000, {options}");

        rule.Deliver(SshBlockRule.Sshd("Failed password for root from 192.0.2.21 port 1 ssh2", T0, pid: 801));
        rule.Deliver(SshBlockRule.Sshd("message repeated 3 times: [ Failed password for root from 192.0.2.21 port 1 ssh2]", T0.AddSeconds(5), pid: 801));

        Assert.Equal(failures, rule.Logged.Count(text => text.StartsWith("Found 192.0.2.21 ", StringComparison.Ordinal)));
        Assert.Empty(rule.Errors);
    }
}
