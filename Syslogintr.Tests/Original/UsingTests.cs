using System.Text.RegularExpressions;

namespace Syslogintr.Tests.Original;

/// <summary>
/// using.lua, the author's home workstation: TSV to /var/log/syslog (not debug), every message relayed to the
/// multicast group 232.0.0.1 for realtime.lua viewers, per-host and per-program fixes, host counts, and
/// ssh-iptables: the fifth local sshd failure from one address adds an iptables REJECT rule; cleanup flushes the chain.
/// </summary>
[Collection(OriginalScriptsCollection.Name)]
public sealed class UsingTests
{
    private const string Date = @"[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}";

    [OriginalScriptFact]
    public async Task Using_blocks_the_fifth_ssh_failure_relays_to_the_multicast_group_and_flushes_the_chain_at_exit()
    {
        await using var run = await OriginalScriptRun.CreateAsync(new OriginalScriptSetup { Addresses = ["192.168.1.1"] });
        var group = run.Receive("232.0.0.1");
        await run.StartNodeAsync("-f", "-i", "127.0.0.1", "-s", OriginalScriptRun.Socket, "-p", OriginalScriptRun.LuaPath, "using.lua");

        // ssh-iptables flushes its chain when first loaded.
        Assert.Equal(["--table", "filter", "-F", "ssh-block"], Assert.Single(await run.WaitForInvocationsAsync("iptables", 1)).Argv);

        // Four failures from one address, five remote ones (a sshd elsewhere: not ours to block), then the fifth
        // local one from the first address, and a sixth: exactly one rule, on the fifth (the module's "== 5").
        for (var i = 0; i < 4; i++)
        {
            await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "authpriv.info", "-t", "sshd", "--id=700", "Failed password for invalid user admin from 203.0.113.7 port 4242 ssh2");
            await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "authpriv.info", "-t", "sshd", "--id=701", "Failed password for root from 198.51.100.4 port 4243 ssh2");
        }

        for (var i = 0; i < 5; i++)
        {
            await run.LoggerAsync("--rfc3164", "-n", "127.0.0.1", "-d", "-P", "514", "-p", "authpriv.info", "-t", "sshd", $"Failed password for root from 203.0.113.99 port {4250 + i} ssh2");
        }

        // Handled before what follows (two sockets have no order between them).
        await group.WaitForAsync(d => d.Contains("203.0.113.99 port 4254"), "of the last remote failure");

        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "authpriv.info", "-t", "sshd", "--id=700", "Failed password for invalid user admin from 203.0.113.7 port 4242 ssh2");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "authpriv.info", "-t", "sshd", "--id=700", "Did not receive identification string from 203.0.113.7 port 4245");
        var iptables = await run.WaitForInvocationsAsync("iptables", 2);
        Assert.Equal(["--table", "filter", "--append", "ssh-block", "--source", "203.0.113.7", "--jump", "REJECT"], iptables[1].Argv);

        // Per-program and per-host fixes.
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "daemon.info", "-t", "nagios", "SERVICE ALERT: web;HTTP;CRITICAL;HARD;3;timeout");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "daemon.info", "-t", "usbhid-ups", "--id=1234", "Poll UPS [ups] failed");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "daemon.info", "-t", "com.apple.usbmuxd", "relayed, never written");
        // The router at 192.168.1.1: its "tag" is really the start of the message.
        run.SendFrom("192.168.1.1", "127.0.0.1", "<30>Dec  1 10:00:00 DHCPD: lease 192.168.1.50 granted");
        await group.WaitForAsync(d => d.Contains("DHCPD: lease"), "of the router's line");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "user.debug", "-t", "chatty", "relayed, never written either");

        await group.WaitForAsync(d => d.Contains("never written either"), "of the last message");
        Assert.Contains(group.Datagrams, d => Regex.IsMatch(d, @"^<86>\S+ +\S+ \S+ sshd\[700\]: Failed password for invalid user admin from 203\.0\.113\.7 port 4242 ssh2$"));
        Assert.Contains(group.Datagrams, d => Regex.IsMatch(d, @"^<27>\S+ +\S+ \S+ nagios: SERVICE ALERT: web;HTTP;CRITICAL;HARD;3;timeout$"));
        Assert.Contains(group.Datagrams, d => Regex.IsMatch(d, @"^<30>\S+ +\S+ \S+ com\.apple\.usbmuxd: relayed, never written$"));
        Assert.Contains(group.Datagrams, d => d.EndsWith("Blocked 203.0.113.7 from SSH", StringComparison.Ordinal));

        // SIGHUP: the file is reopened and the host counts are logged (and reset).
        run.Rotate("/var/log/syslog");
        run.Signal(1);
        var hup = await run.WaitForLinesAsync("/var/log/syslog", l => l.Any(x => x.Contains("summary/hosts")), "the host counts");
        var counts = Regex.Match(Assert.Single(hup, l => l.Contains("summary/hosts")), $@"^{Date}\tsyslog\tinfo\t\(internal\)\tsummary/hosts\t(.*)$");
        Assert.True(counts.Success, string.Join('\n', hup));
        var perHost = counts.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToDictionary(c => c[..c.LastIndexOf(':')], c => c[(c.LastIndexOf(':') + 1)..]);
        Assert.Equal("5", perHost["127.0.0.1"]);
        Assert.Equal("1", perHost["192.168.1.1"]);
        Assert.Equal("13", perHost[OriginalScriptRun.Socket]);

        await run.StopCleanlyAsync();

        // cleanup(): the chain is flushed again, and nothing else was ever run.
        Assert.Equal(
            [["--table", "filter", "-F", "ssh-block"], ["--table", "filter", "--append", "ssh-block", "--source", "203.0.113.7", "--jump", "REJECT"], ["--table", "filter", "-F", "ssh-block"]],
            run.Invocations("iptables").Select(i => i.Argv));

        var lines = (run.ReadFile("/var/log/syslog.1") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[16..]).ToList();
        Assert.Contains("auth2\tinfo\t/run/original/log\tsshd\tFailed password for invalid user admin from 203.0.113.7 port 4242 ssh2", lines);
        // (The original, which takes only an IP literal in the header as the host, would have read the program as
        // "client sshd": logger's header names the host "client".)
        Assert.Contains("auth2\tinfo\t127.0.0.1\tsshd\tFailed password for root from 203.0.113.99 port 4250 ssh2", lines);
        Assert.Contains("syslog\tinfo\t(internal)\tusing.lua\tBlocked 203.0.113.7 from SSH", lines);
        Assert.Contains("daemon\terr\t/run/original/log\tnagios\tSERVICE ALERT: web;HTTP;CRITICAL;HARD;3;timeout", lines);
        Assert.Contains("daemon\tinfo\t/run/original/log\tusbhid-ups\tpid = 1234 , Poll UPS [ups] failed", lines);
        Assert.Contains("daemon\tinfo\t192.168.1.1\t\tDHCPD: lease 192.168.1.50 granted", lines);
        Assert.DoesNotContain(lines, l => l.Contains("never written") || l.Contains("\tdebug\t"));
    }
}
