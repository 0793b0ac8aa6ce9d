using Syslogintr.Ingest;
using Syslogintr.Rules;
using Syslogintr.Rules.Replay;

namespace Syslogintr.Tests.Rules;

public sealed class TestRuleReplayTests : IDisposable
{
    private readonly RuleFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Prints_each_action_as_json_and_a_summary_with_the_log_driving_the_clock()
    {
        var rule = folder.Rule("ssh", """
            local counts = {}
            function log(m)
              local ip = m.msg:match("^Failed password for .- from (%S+)")
              if ip then
                counts[ip] = (counts[ip] or 0) + 1
                if counts[ip] == options.threshold then
                  ban { ip = ip, seconds = 600, reason = m.host .. " " .. os.date("%H:%M:%S") }
                end
              end
            end
            function alarm_handler() syslog("info", "tick at " .. os.date("%H:%M", os.time())) end
            alarm("1h")
            """, r => r with { Options = RuleOptions.From("test", Akka.Configuration.ConfigurationFactory.ParseString("threshold = 2")) });
        var log = """
            # a comment line
            Nov 29 03:00:00 srv sshd[1]: Failed password for root from 203.0.113.5 port 22 ssh2
            Nov 29 03:10:00 srv sshd[1]: Failed password for root from 203.0.113.5 port 22 ssh2
            Nov 29 05:30:00 srv sshd[1]: Accepted publickey for me from 192.0.2.1 port 22 ssh2
            """;
        var output = new StringWriter();
        var errors = new StringWriter();
        var replay = new RuleReplay(rule, output, errors, Facility.AuthPriv, Severity.Informational);
        replay.Run(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(log)));

        Assert.Equal(
            [
                """{"action":"ban","ip":"203.0.113.5","seconds":600,"reason":"srv 03:10:00"}""",
                """{"action":"syslog","facility":"syslog","level":"info","host":"localhost","program":"ssh","pid":null,"msg":"tick at 04:00"}""",
                """{"action":"syslog","facility":"syslog","level":"info","host":"localhost","program":"ssh","pid":null,"msg":"tick at 05:00"}""",
                """{"summary":{"lines":4,"messages":3,"actions":{"ban":1,"syslog":2},"errors":0}}""",
            ],
            output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", errors.ToString());
    }

    [Fact]
    public void The_shipped_postfix_summary_rule_sums_up_a_mail()
    {
        var rule = RuleFolder.Definition("postfix", Path.Combine(RuleFolder.Shipped, "postfix-summary.lua"), Path.Combine(RuleFolder.Shipped, "lib")) with
        {
            Options = RuleOptions.From("test", Akka.Configuration.ConfigurationFactory.ParseString("relay = home.example.net")),
        };
        var log = """
            <22>Nov 29 03:00:00 mx postfix/smtpd[10]: 4F2A1: client=mail.example.org[198.51.100.7]
            <22>Nov 29 03:00:01 mx postfix/cleanup[11]: 4F2A1: message-id=<abc@example.org>
            <22>Nov 29 03:00:01 mx postfix/qmgr[12]: 4F2A1: from=<alice@example.org>, size=1234, nrcpt=1 (queue active)
            <22>Nov 29 03:00:02 mx postfix/local[13]: 4F2A1: to=<bob@example.net>, relay=local, delay=0.1, status=sent
            <22>Nov 29 03:00:02 mx postfix/qmgr[12]: 4F2A1: removed
            """;
        var output = new StringWriter();
        new RuleReplay(rule, output, TextWriter.Null, Facility.User, Severity.Notice).Run(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(log)));

        const string Summary = "client=mail.example.org[198.51.100.7] message-id=<abc@example.org> from=<alice@example.org> to=<bob@example.net>";
        Assert.Equal(
            [
                $$"""{"action":"syslog","facility":"mail","level":"info","host":"localhost","program":"summary/mail","pid":null,"msg":"{{Summary}}"}""",
                $$"""{"action":"relay","kind":"udp","target":"home.example.net","port":514,"format":"rfc3164","facility":"mail","level":"info","host":"mx","program":"summary/mail","pid":null,"msg":"{{Summary}}"}""",
                """{"summary":{"lines":5,"messages":5,"actions":{"relay":1,"syslog":1},"errors":0}}""",
            ],
            output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private const string OneLine = "Nov 29 03:00:00 srv app[1]: hello\n";

    private string[] Replay(RuleDefinition rule, string log, Origin? origin = null)
    {
        var output = new StringWriter();
        new RuleReplay(rule, output, TextWriter.Null, Facility.User, Severity.Notice, origin).Run(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(log)));
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void Origin_local_makes_lines_come_from_the_unix_socket()
    {
        var rule = folder.Rule("local", """
            function log(m)
              if m.remote == false then syslog("info", "local from " .. m.host) end
            end
            """);

        Assert.True(ReplayOrigin.TryParse("local", out var local));
        Assert.Equal(
            """{"action":"syslog","facility":"syslog","level":"info","host":"localhost","program":"local","pid":null,"msg":"local from /dev/log"}""",
            Replay(rule, OneLine, local)[0]);
        Assert.True(ReplayOrigin.TryParse("local:/run/x/log", out var path));
        Assert.Contains("local from /run/x/log", Replay(rule, OneLine, path)[0]);
        Assert.DoesNotContain("\"action\"", string.Concat(Replay(rule, OneLine)));
    }

    [Fact]
    public void Origin_udp_addr_makes_lines_come_from_that_sender()
    {
        var rule = folder.Rule("udp", """
            function log(m) syslog("info", tostring(m.remote) .. " " .. m.host .. " " .. m.hostname) end
            """);

        Assert.True(ReplayOrigin.TryParse("udp:192.0.2.5", out var sender));
        Assert.Contains("\"msg\":\"true 192.0.2.5 srv\"", Replay(rule, OneLine, sender)[0]);
        Assert.Contains("\"msg\":\"true srv srv\"", Replay(rule, OneLine)[0]);
        Assert.False(ReplayOrigin.TryParse("udp:not-an-address", out _));
        Assert.False(ReplayOrigin.TryParse("tcp:192.0.2.5", out _));
    }

    [Fact]
    public void A_trusted_script_executes_and_creates_nothing_its_calls_are_recorded()
    {
        var touched = Path.Combine(folder.Path, "touched");
        var written = Path.Combine(folder.Path, "written");
        var rule = folder.Rule("trusted", $$"""
            function log(m)
              local ok, how, code = os.execute("touch {{touched}}")
              local p = io.popen("cmd", "r")
              local out = p:read("a")
              p:close()
              local f = io.open("{{written}}", "w")
              f:write("x")
              f:close()
              syslog("info", tostring(ok) .. " " .. how .. " " .. code .. " [" .. out .. "]")
            end
            """, r => r with { Trusted = true });

        Assert.Equal(
            [
                $$"""{"action":"os.execute","command":"touch {{touched}}"}""",
                """{"action":"io.popen","command":"cmd","mode":"r"}""",
                $$"""{"action":"io.open","path":"{{written}}","mode":"w"}""",
                """{"action":"syslog","facility":"syslog","level":"info","host":"localhost","program":"trusted","pid":null,"msg":"true exit 0 []"}""",
                """{"summary":{"lines":1,"messages":1,"actions":{"io.open":1,"io.popen":1,"os.execute":1,"syslog":1},"errors":0}}""",
            ],
            Replay(rule, OneLine));
        Assert.False(File.Exists(touched));
        Assert.False(File.Exists(written));
    }
}
