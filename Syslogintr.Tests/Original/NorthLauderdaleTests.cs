using System.Text.RegularExpressions;

namespace Syslogintr.Tests.Original;

/// <summary>
/// northlauderdale.lua, an OpenVZ web server: redhat.lua's files plus local4.log and local6 → webserver, every message
/// relayed home (lucy.roswell.conman.org), and at load (then hourly) <c>check_apache</c> — wget of mod_status; when
/// Apache answers nothing, a crit line, a mail through /usr/sbin/sendmail to each recipient and
/// <c>/etc/init.d/httpd start</c> — and <c>log_beancounter()</c>, also run on "fork" trouble.
/// </summary>
[Collection(OriginalScriptsCollection.Name)]
public sealed class NorthLauderdaleTests
{
    private const string Date = @"[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}";

    /// <summary>
    /// The author's log_beancounter reads OpenVZ's /proc/user_beancounters, which no other machine has (the script
    /// fails there under the original too). This stand-in, first on -p, logs what it would for one resource whose
    /// failcnt is not 0 — the same I_prlog call, with the original's trailing newline.
    /// </summary>
    private const string BeancounterStandIn = """
        local I_prlog = require "I_prlog"
        return function()
          I_prlog("check/beancounters","notice",string.format("%s h=%s m=%s b=%s l=%s f=%s\n","numproc","96","240","240","240","3"))
        end
        """;

    [OriginalScriptFact]
    public async Task Northlauderdale_mails_both_recipients_when_apache_is_down_and_files_and_relays_everything()
    {
        await using var run = await OriginalScriptRun.CreateAsync(new OriginalScriptSetup
        {
            Hosts = new Dictionary<string, string> { ["lucy.roswell.conman.org"] = "127.0.0.5" },
            LuaModules = new Dictionary<string, string> { ["log_beancounter.lua"] = BeancounterStandIn },
        });
        var lucy = run.Receive("127.0.0.5");
        await run.StartNodeAsync("-f", "-i", "127.0.0.1", "-s", OriginalScriptRun.Socket, "-p", OriginalScriptRun.LuaPath, "northlauderdale.lua");

        // check_apache at load: wget (the stand-in: Apache down, nothing on stdout) ...
        var wget = Assert.Single(await run.WaitForInvocationsAsync("wget", 1));
        Assert.Equal(["-O", "-", "http://localhost/server-status/?auto"], wget.Argv);

        // ... so one mail per recipient, piped into /usr/sbin/sendmail with the script's from, to and subject ...
        var mails = await run.WaitForInvocationsAsync("sendmail", 2);
        Assert.Equal([["spc@conman.org"], ["spc@pickint.net"]], mails.Select(m => m.Argv));
        foreach (var (mail, to) in mails.Zip(["spc@conman.org", "spc@pickint.net"]))
        {
            Assert.Matches(
                $"^From: root@northlauderdale\\.pickint\\.net\\nTo: {Regex.Escape(to)}\\nSubject: NORTHLAUDERDALE WEBSEVER DOWN!\\nDate: [A-Z][a-z]{{2}}, \\d{{2}} [A-Z][a-z]{{2}} \\d{{4}} \\d{{2}}:\\d{{2}}:\\d{{2}} \\S+\\n\\nWEB SERVER NOT RUNNING\\n\\n$",
                mail.Stdin);
        }

        // ... and the restart.
        Assert.Equal(["start"], Assert.Single(await run.WaitForInvocationsAsync("httpd", 1)).Argv);

        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "local6.err", "-t", "httpd", "(12)Cannot allocate memory: fork: Unable to fork new process");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "local4.info", "-t", "app", "request served");
        await run.LoggerAsync("--rfc3164", "-n", "127.0.0.1", "-d", "-P", "514", "-p", "daemon.notice", "-t", "named", "--id=53", "zone example.net loaded");
        // Handled (relayed) before the next is sent: two sockets have no order between them.
        await lucy.WaitForAsync(d => d.Contains("zone example.net loaded"), "of the UDP message");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "cron.info", "-t", "crond", "can't fork");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "authpriv.info", "-t", "sshd", "session opened for user root");

        // Every message goes home, the script's own too (a local one without a host in the header, as the original's
        // relay() writes it; the missing logtimestamp of an I_log table is its timestamp here, the epoch there).
        await lucy.WaitForAsync(d => d.EndsWith("sshd: session opened for user root", StringComparison.Ordinal), "of the last message");
        Assert.Contains(lucy.Datagrams, d => Regex.IsMatch(d, @"^<42>\S+ +\S+ \S+ northlauderdale\.lua: WEB SERVER NOT RUNNING$"));
        Assert.Contains(lucy.Datagrams, d => Regex.IsMatch(d, @"^<45>\S+ +\S+ \S+ northlauderdale\.lua: Restarting the webserver$"));
        Assert.Contains(lucy.Datagrams, d => Regex.IsMatch(d, @"^<179>\S+ +\S+ \S+ httpd: \(12\)Cannot allocate memory: fork: Unable to fork new process$"));
        // A remote message's header keeps the sender's host name (the original wrote msg.host, the sender's address).
        Assert.Contains(lucy.Datagrams, d => Regex.IsMatch(d, @"^<29>\S+ +\S+ \S+ client named\[53\]: zone example\.net loaded$"));

        await run.StopAsync();
        var messages = Lines(run, "/var/log/messages").Select(l => l[16..]).ToList();
        // The UDP line's place among the unix socket's lines sent before it is not fixed: logger -u returns once its
        // datagram is queued in our socket, so the UDP listener may read its message first (the original's poll()
        // gives no order between sockets either). It is there once; the unix socket's lines keep their order.
        const string Named = "127.0.0.1 named[53]: zone example.net loaded";
        Assert.Single(messages, Named);
        messages.Remove(Named);
        Assert.Equal(
            [
                "localhost northlauderdale.lua[0]: WEB SERVER NOT RUNNING",
                "localhost northlauderdale.lua[0]: Restarting the webserver",
                "localhost check/beancounters[0]: numproc h=96 m=240 b=240 l=240 f=3",
                "localhost check/beancounters[0]: numproc h=96 m=240 b=240 l=240 f=3",
                "localhost check/beancounters[0]: numproc h=96 m=240 b=240 l=240 f=3",
                "localhost app[0]: request served",
                // 'cron1' is not 'cron' (the script's bug, as in redhat.lua): messages, not /var/log/cron.
                "localhost check/beancounters[0]: numproc h=96 m=240 b=240 l=240 f=3",
                "localhost crond[0]: can't fork",
            ],
            messages);
        Assert.Matches($@"^{Date} localhost httpd\[0\]: \(12\)Cannot allocate memory: fork: Unable to fork new process$", Assert.Single(Lines(run, "/var/log/webserver")));
        Assert.Matches($@"^{Date} localhost app\[0\]: request served$", Assert.Single(Lines(run, "/var/log/local4.log")));
        Assert.Matches($@"^{Date} localhost sshd\[0\]: session opened for user root$", Assert.Single(Lines(run, "/var/log/secure")));
        Assert.Equal("", run.ReadFile("/var/log/cron"));
    }

    private static string[] Lines(OriginalScriptRun run, string path) =>
        (run.ReadFile(path) ?? throw new Xunit.Sdk.XunitException($"{path} was not created")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
