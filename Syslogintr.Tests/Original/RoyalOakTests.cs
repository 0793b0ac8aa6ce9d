using System.Text.RegularExpressions;

namespace Syslogintr.Tests.Original;

/// <summary>
/// royal-oak.lua, a management server routers log to: one file per facility, local messages as from "royal-oak",
/// a noisy router line dropped, OSPF neighbour changes (facility local1) mailed to two addresses, and relays home
/// (74.173.118.3) of what <c>postfix_mailsummary(msg)</c> lets through.
/// </summary>
[Collection(OriginalScriptsCollection.Name)]
public sealed class RoyalOakTests
{
    private const string Date = @"[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}";
    private const string Down = "%OSPF-5-ADJCHG: Process 1, Nbr 10.1.1.2 on Serial0/0 from FULL to DOWN, Neighbor Down: Interface down or detached";
    private const string Up = "%OSPF-5-ADJCHG: Process 1, Nbr 10.1.1.2 on Serial0/0 from LOADING to FULL, Loading Done";

    [OriginalScriptFact]
    public async Task Royal_oak_files_by_facility_mails_ospf_changes_and_relays_what_its_stale_postfix_check_lets_through()
    {
        await using var run = await OriginalScriptRun.CreateAsync(new OriginalScriptSetup { Addresses = ["74.173.118.3"] });
        var home = run.Receive("74.173.118.3");
        await run.StartNodeAsync("-f", "-i", "127.0.0.1", "-s", OriginalScriptRun.Socket, "-p", OriginalScriptRun.LuaPath, "royal-oak.lua");

        await run.LoggerAsync("--rfc3164", "-n", "127.0.0.1", "-d", "-P", "514", "-p", "local1.notice", "-t", "router", Down);
        var down = await run.WaitForInvocationsAsync("sendmail", 2);
        Assert.Equal([["spc@pickint.net"], ["admin@pickint.net"]], down.Select(m => m.Argv));
        foreach (var (mail, to) in down.Zip(["spc@pickint.net", "admin@pickint.net"]))
        {
            Assert.StartsWith($"From: root@royal-oak.pickint.net\nTo: {to}\nSubject: EMERGENGY---OSPF Adjacency change!\nDate: ", mail.Stdin);
            // check_ospf's template, filled with the router's address (msg.host) and its line.
            Assert.EndsWith($"\n\n      \nWe just received the following message from 127.0.0.1:\n\n{Down}\n\nHELP!\n\n\n\n", mail.Stdin);
        }

        await run.LoggerAsync("--rfc3164", "-n", "127.0.0.1", "-d", "-P", "514", "-p", "local1.notice", "-t", "router", Up);
        var up = (await run.WaitForInvocationsAsync("sendmail", 4)).Skip(2).ToList();
        Assert.Equal([["spc@pickint.net"], ["admin@pickint.net"]], up.Select(m => m.Argv));
        Assert.All(up, m => Assert.Contains("Subject: Crisis over, OSPF up and running\n", m.Stdin));
        Assert.All(up, m => Assert.Contains($"OSPF is back up and running, from 127.0.0.1:\n\n{Up}\n", m.Stdin));

        await run.LoggerAsync("--rfc3164", "-n", "127.0.0.1", "-d", "-P", "514", "-p", "local0.notice", "-t", "router", "%SEC-6-IPACCESSLOGP: list 101 denied UDP: [216.82.117.164] port 53");
        await run.LoggerAsync("--rfc3164", "-n", "127.0.0.1", "-d", "-P", "514", "-p", "local0.notice", "-t", "router", "%LINK-3-UPDOWN: Interface Serial0/1, changed state to up");
        // Written (and flushed) before what follows: two sockets have no order between them.
        await run.WaitForLinesAsync("/var/log/local0.log", l => l.Length == 1, "the router's line");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "authpriv.info", "-t", "sshd", "Accepted publickey for spc from 192.0.2.9 port 50022 ssh2");
        foreach (var text in new[] { "4F1A2B3C: client=mail.example.net[192.0.2.7]", "4F1A2B3C: from=<alice@example.net>, size=1234, nrcpt=1 (queue active)", "4F1A2B3C: removed" })
        {
            await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "mail.info", "-t", "postfix/qmgr", text);
        }

        // The 2025 postfix-mailsummary returns a summary table (or false) where the script expects a boolean: the
        // original relays the raw "removed" line — and only it — home, never the summary. So do we.
        var relayed = await home.WaitForAsync(d => d.Contains("removed"), "of the postfix 'removed' line");
        Assert.Matches(@"^<22>\S+ +\S+ \S+ postfix/qmgr: 4F1A2B3C: removed$", relayed);
        Assert.Equal([relayed], home.Datagrams);

        await run.StopAsync();
        Assert.Equal(
            [$"127.0.0.1 router: {Down}", $"127.0.0.1 router: {Up}"],
            Lines(run, "/var/log/local1.log").Select(l => l[16..]));
        // The router's UDP: [216.82.117.164] noise is dropped; its other lines kept.
        Assert.Equal(["127.0.0.1 router: %LINK-3-UPDOWN: Interface Serial0/1, changed state to up"], Lines(run, "/var/log/local0.log").Select(l => l[16..]));
        Assert.Equal(["royal-oak sshd: Accepted publickey for spc from 192.0.2.9 port 50022 ssh2"], Lines(run, "/var/log/auth2.log").Select(l => l[16..]));
        Assert.Equal(
            ["royal-oak postfix/qmgr: 4F1A2B3C: client=mail.example.net[192.0.2.7]", "royal-oak postfix/qmgr: 4F1A2B3C: from=<alice@example.net>, size=1234, nrcpt=1 (queue active)", "royal-oak postfix/qmgr: 4F1A2B3C: removed"],
            Lines(run, "/var/log/mail.log").Select(l => l[16..]));

        // The script's own lines (facility syslog has no file of its own) go to misc.log as from royal-oak. (The
        // original daemon also fed its own notices — "PID: n", "Alarm set for 3600 seconds" — to log(); ours writes
        // its diagnostics to stderr, so only the script's lines are here.)
        var misc = Lines(run, "/var/log/misc.log");
        Assert.All(misc, l => Assert.Matches($"^{Date} royal-oak royal-oak.lua: ", l));
        Assert.Equal(
            ["reloaded script", "relaying to 74.173.118.3", "OSPF neighbor down", "sent email to spc@pickint.net", "sent email to admin@pickint.net", "OSPF neighbor up", "sent email to spc@pickint.net", "sent email to admin@pickint.net"],
            misc.Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..]));

        // ssh-iptables, loaded by the script, flushed its chain once at load (and sees no sshd failure here).
        Assert.Equal(["--table", "filter", "-F", "ssh-block"], Assert.Single(run.Invocations("iptables")).Argv);
    }

    private static string[] Lines(OriginalScriptRun run, string path) =>
        (run.ReadFile(path) ?? throw new Xunit.Sdk.XunitException($"{path} was not created")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
