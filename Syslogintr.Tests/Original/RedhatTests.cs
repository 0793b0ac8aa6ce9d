using System.Text.RegularExpressions;

namespace Syslogintr.Tests.Original;

/// <summary>
/// redhat.lua, a drop-in for RedHat's default syslog.conf: info and above to /var/log/messages (but mail, authpriv,
/// cron and local6), authpriv to secure, mail to maillog, uucp/news at crit or above to spooler, local7 to boot,
/// emerg to everybody through <c>wall</c>; local messages are written as from "localhost".
/// </summary>
[Collection(OriginalScriptsCollection.Name)]
public sealed class RedhatTests
{
    private const string Date = @"[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}";

    [OriginalScriptFact]
    public async Task Redhat_routes_by_facility_as_syslog_conf_and_walls_emergencies()
    {
        await using var run = await OriginalScriptRun.CreateAsync(new OriginalScriptSetup());
        await run.StartNodeAsync("-f", "-i", "127.0.0.1", "-s", OriginalScriptRun.Socket, "redhat.lua");

        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "authpriv.info", "-t", "sshd", "--id=811", "Accepted publickey for root from 192.0.2.9 port 50022 ssh2");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "mail.info", "-t", "postfix/qmgr", "4F1A2B3C: removed");
        await run.LoggerAsync("--rfc3164", "-n", "127.0.0.1", "-d", "-P", "514", "-p", "daemon.notice", "-t", "named", "--id=53", "zone example.net loaded");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "local7.info", "-t", "rc", "Starting sshd: [ OK ]");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "uucp.crit", "-t", "uucico", "spool full");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "news.info", "-t", "innd", "not spooler material");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "cron.info", "-t", "CROND", "(root) CMD (run-parts /etc/cron.hourly)");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "local6.info", "-t", "httpd", "nowhere in redhat.lua");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "user.debug", "-t", "chatty", "below info");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "user.emerg", "-t", "kernel", "the sky is falling");
        await run.LoggerAsync("--rfc3164", "-n", "127.0.0.1", "-d", "-P", "514", "-p", "daemon.emerg", "-t", "upsmon", "on battery, shutting down");

        // One wall each (either socket may be read first); the UDP emergency also means the UDP notice before it was handled.
        var walls = await run.WaitForInvocationsAsync("wall", 2);
        Assert.All(walls, w => Assert.Empty(w.Argv));
        Assert.Single(walls, w => Regex.IsMatch(w.Stdin, $@"^{Date} localhost kernel\[0\]: the sky is falling\n$"));
        Assert.Single(walls, w => Regex.IsMatch(w.Stdin, $@"^{Date} 127\.0\.0\.1 upsmon\[0\]: on battery, shutting down\n$"));

        // Only maillog is flushed on every line by the script, but io.popen (for wall) flushes every open file first
        // (Lua's popen does fflush(NULL)), so secure is readable here; messages is read after SIGHUP and SIGTERM.
        Assert.Matches($@"^{Date} localhost sshd\[811\]: Accepted publickey for root from 192\.0\.2\.9 port 50022 ssh2$", Assert.Single(Lines(run, "/var/log/secure")));
        Assert.Matches($@"^{Date} localhost postfix/qmgr\[0\]: 4F1A2B3C: removed$", Assert.Single(Lines(run, "/var/log/maillog")));

        run.Rotate("/var/log/messages");
        run.Signal(1);
        await run.WaitForFileAsync("/var/log/messages");
        await run.LoggerAsync("-u", OriginalScriptRun.Socket, "-p", "user.notice", "-t", "after", "rotation");
        await run.StopAsync();

        // The UDP lines have no fixed place among the unix socket's: two sockets have no order between them.
        var messages = Lines(run, "/var/log/messages.1").ToList();
        Assert.Equal(
            ["127.0.0.1 named[53]: zone example.net loaded", "127.0.0.1 upsmon[0]: on battery, shutting down"],
            messages.Select(l => l[16..]).Where(l => l.StartsWith("127.0.0.1 ", StringComparison.Ordinal)));
        // From UDP the host is the sender's address (the header's name "client" went to msg.hostname; the original,
        // which takes only an IP literal there as the host, would have read "client named" as the program).
        Assert.Equal(
            [
                "localhost rc[0]: Starting sshd: [ OK ]",
                "localhost uucico[0]: spool full",
                "localhost innd[0]: not spooler material",
                // The original's own bug: the script tests facility 'cron', but the name is 'cron1', so cron's
                // lines go to messages and /var/log/cron stays empty, as they did under the original.
                "localhost CROND[0]: (root) CMD (run-parts /etc/cron.hourly)",
                "localhost kernel[0]: the sky is falling",
            ],
            messages.Select(l => l[16..]).Where(l => !l.StartsWith("127.0.0.1 ", StringComparison.Ordinal)));
        Assert.All(messages, l => Assert.Matches($"^{Date} ", l));
        Assert.Matches($@"^{Date} localhost after\[0\]: rotation$", Assert.Single(Lines(run, "/var/log/messages")));
        Assert.Equal("", run.ReadFile("/var/log/cron"));
        Assert.Matches($@"^{Date} localhost uucico\[0\]: spool full$", Assert.Single(Lines(run, "/var/log/spooler")));
        Assert.Matches($@"^{Date} localhost rc\[0\]: Starting sshd: \[ OK \]$", Assert.Single(Lines(run, "/var/log/boot")));
    }

    private static string[] Lines(OriginalScriptRun run, string path) =>
        (run.ReadFile(path) ?? throw new Xunit.Sdk.XunitException($"{path} was not created")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
