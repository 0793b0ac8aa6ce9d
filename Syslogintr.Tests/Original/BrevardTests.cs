using System.Text.RegularExpressions;

namespace Syslogintr.Tests.Original;

/// <summary>
/// brevard.lua, the author's public server: every message but debug to /var/log/syslog as TSV, then relayed home
/// (127.0.0.1 here, as in the script) as if it came from the server's public address, and Postfix's thin lines
/// folded into one summary that is logged and relayed the same way.
/// </summary>
[Collection(OriginalScriptsCollection.Name)]
public sealed class BrevardTests
{
    private const string Date = @"[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}";

    [OriginalScriptFact]
    public async Task Brevard_logs_tsv_relays_as_its_public_address_and_summarises_postfix()
    {
        await using var run = await OriginalScriptRun.CreateAsync(new OriginalScriptSetup());
        var home = run.Receive("127.0.0.1");

        // The server's own /dev/log only: brevard relays to 127.0.0.1:514, so a UDP listener there would loop.
        await run.StartNodeAsync("-f", "-s", OriginalScriptRun.Socket, "-p", OriginalScriptRun.LuaPath, "brevard.lua");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "user.debug", "-t", "chatty", "never written");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "daemon.notice", "-t", "named", "--id=53", "zone example.net loaded");
        string[] postfix =
        [
            "postfix/smtpd|4F1A2B3C: client=mail.example.net[192.0.2.7]",
            "postfix/cleanup|4F1A2B3C: message-id=<abc@example.net>",
            "postfix/qmgr|4F1A2B3C: from=<alice@example.net>, size=1234, nrcpt=1 (queue active)",
            "postfix/local|4F1A2B3C: to=<bob@example.org>, relay=local, delay=0.1, status=sent (delivered to mailbox)",
            "postfix/qmgr|4F1A2B3C: removed",
        ];
        foreach (var line in postfix)
        {
            var (tag, text) = (line.Split('|')[0], line.Split('|')[1]);
            await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "mail.info", "-t", tag, text);
        }

        var lines = await run.WaitForLinesAsync("/var/log/syslog", l => l.Any(x => x.Contains("summary/mail")), "the postfix summary");

        // The script's own I_log line at load: program = the script's name, host "(internal)".
        Assert.Matches($@"^{Date}\tsyslog\tinfo\t\(internal\)\tbrevard\.lua\treloaded script$", lines[0]);
        Assert.DoesNotContain(lines, l => l.Contains("never written") || l.Contains("relaying to"));
        Assert.Contains(lines, l => Regex.IsMatch(l, $@"^{Date}\tdaemon\tnotice\t{OriginalScriptRun.Socket}\tnamed\tzone example\.net loaded$"));
        Assert.Contains(lines, l => l.EndsWith("\tmail\tinfo\t/run/original/log\tpostfix/qmgr\t4F1A2B3C: removed", StringComparison.Ordinal));

        // The summary is built from the table log() had already rewritten for relaying, so — as in the original —
        // its host is the public address, not the socket the mail lines came in on.
        Assert.Matches(
            $@"^{Date}\tmail\tinfo\t66\.252\.224\.242\tsummary/mail\tclient=mail\.example\.net\[192\.0\.2\.7\] message-id=<abc@example\.net> from=<alice@example\.net> to=<bob@example\.org>$",
            lines.Single(l => l.Contains("summary/mail")));

        // Relayed home with remote = true and host rewritten: the header names the public address.
        await home.WaitForAsync(d => d.Contains("summary/mail"), "with the summary");
        Assert.Matches(@"^<46>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} 66\.252\.224\.242 brevard\.lua: reloaded script$", home.Datagrams[0]);
        Assert.Contains(home.Datagrams, d => Regex.IsMatch(d, @"^<29>\S+ +\S+ \S+ 66\.252\.224\.242 named\[53\]: zone example\.net loaded$"));
        Assert.Contains(home.Datagrams, d => Regex.IsMatch(d, @"^<22>\S+ +\S+ \S+ 66\.252\.224\.242 postfix/qmgr: 4F1A2B3C: removed$"));
        Assert.Contains(home.Datagrams, d => Regex.IsMatch(d, @"^<22>\S+ +\S+ \S+ 66\.252\.224\.242 summary/mail: client=mail\.example\.net\[192\.0\.2\.7\] message-id=<abc@example\.net> from=<alice@example\.net> to=<bob@example\.org>$"));
        Assert.DoesNotContain(home.Datagrams, d => d.Contains("never written"));

        // SIGHUP after logrotate moved the file: reload_signal() opens a new one and says so in it.
        run.Rotate("/var/log/syslog");
        run.Signal(1);
        await run.WaitForLinesAsync("/var/log/syslog", l => l.Any(x => x.EndsWith("\tsyslog\tinfo\t(internal)\tbrevard.lua\tsignal received loud and clear; reset logfiles", StringComparison.Ordinal)), "the reopened file");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "daemon.notice", "-t", "named", "after rotation");
        await run.WaitForLinesAsync("/var/log/syslog", l => l.Any(x => x.EndsWith("\tnamed\tafter rotation", StringComparison.Ordinal)), "a line after rotation");
        Assert.DoesNotContain("after rotation", run.ReadFile("/var/log/syslog.1"));

        await run.StopAsync();
    }
}
