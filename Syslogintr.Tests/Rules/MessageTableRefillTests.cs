using Syslogintr.Ingest;
using Syslogintr.Rules;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// A sandboxed rule whose <c>log</c> only reads fields of its message gets one table per kind, refilled for every
/// message (message-reuse.lua decides from the function's bytecode); any other use of <c>msg</c> keeps a fresh table
/// per message, so what a script keeps stays what it was.
/// </summary>
public sealed class MessageTableRefillTests : IDisposable
{
    private readonly RuleFolder folder = new();
    private readonly RecordingEffects effects = new();

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("if msg.program ~= '' then n = (n or 0) + 1 end")]
    [InlineData("local ip = msg.msg:match('from (%S+)') if ip then syslog('info', ip) end")]
    [InlineData("if msg then syslog('info', msg.host .. ' ' .. msg[1] .. tostring(msg[msg.level])) end")]
    [InlineData("counts[msg.hostname] = (counts[msg.hostname] or 0) + 1")]
    [InlineData("if msg == 'x' or msg == 1 then return end syslog('info', string.format('%s %d', msg.facility, msg.pid))")]
    public void A_log_that_only_reads_fields_gets_the_refilled_table(string body)
    {
        using var rule = Load($"counts = {{}}\nfunction log(msg)\n  {body}\nend\n");
        Assert.True(rule.RefillsMessageTable);
    }

    [Theory]
    [InlineData("kept = msg")]
    [InlineData("relay(host('127.0.0.1'), msg)")]
    [InlineData("for k in pairs(msg) do end")]
    [InlineData("msg.seen = true")]
    [InlineData("local m = msg")]
    [InlineData("return msg")]
    [InlineData("counts[msg] = 1")]
    [InlineData("local f = function() return msg.host end")]
    [InlineData("local s = msg:upper()")]
    [InlineData("local n = #msg")]
    [InlineData("local s = msg .. ''")]
    [InlineData("if msg == counts then end")]
    [InlineData("local m = msg or counts")]
    [InlineData("counts[#counts + 1] = msg")]
    [InlineData("local t = { msg }")]
    [InlineData("error(msg)")]
    public void Any_other_use_of_msg_keeps_a_fresh_table(string body)
    {
        using var rule = Load($"counts = {{}}\nfunction log(msg)\n  {body}\nend\n");
        Assert.False(rule.RefillsMessageTable);
    }

    [Fact]
    public void A_vararg_log_keeps_a_fresh_table() =>
        Assert.False(Load("function log(...) local msg = ... n = msg.host end").RefillsMessageTable);

    [Fact]
    public void A_trusted_rule_keeps_a_fresh_table()
    {
        // Its debug library can reach msg from outside log's code (debug.getlocal), which no bytecode shows.
        using var rule = Load("function log(msg) n = msg.host end", r => r with { Trusted = true });
        Assert.False(rule.RefillsMessageTable);
    }

    [Fact]
    public void Kept_messages_keep_their_own_fields_however_they_are_kept()
    {
        using var rule = Load("""
            direct, wrapped, closures = {}, {}, {}
            local function keep(m) direct[#direct + 1] = m end
            function log(msg)
              if msg.msg == "dump" then
                for i = 1, #direct do
                  syslog("info", direct[i].msg .. " " .. wrapped[i][1].hostname .. " " .. closures[i]().msg)
                end
                return
              end
              keep(msg)
              wrapped[#wrapped + 1] = { msg }
              closures[#closures + 1] = function() return msg end
            end
            """);
        Assert.False(rule.RefillsMessageTable);

        foreach (var (text, host) in new[] { ("first", "a"), ("second", "b"), ("third", "c"), ("dump", "d") })
        {
            Assert.Null(rule.Deliver(RuleFolder.Message(text, host: host)));
        }

        Assert.Equal(["first a first", "second b second", "third c third"], effects.Logged);
    }

    [Fact]
    public void Refilled_tables_carry_each_messages_fields_and_only_its_kinds()
    {
        using var rule = Load("""
            function log(msg)
              syslog("info", string.format("%s %s %s %s %s %s", msg.msg, msg.hostname, msg.program,
                tostring(msg.app_name), tostring(msg.msgid), msg.sd and tostring(msg.sd["x@1"] and msg.sd["x@1"].k) or "no-sd"))
            end
            """);
        Assert.True(rule.RefillsMessageTable);

        Assert.Null(rule.Deliver(Rfc5424("one", "h1", "app1", "ID1", "v1")));
        Assert.Null(rule.Deliver(RuleFolder.Message("two", host: "h2", program: "cron")));
        Assert.Null(rule.Deliver(Rfc5424("three", "h3", "app3", "ID3", "v3")));
        Assert.Null(rule.Deliver(RuleFolder.Message("four", host: "h4", program: "sshd")));

        Assert.Equal(
            ["one h1 app1 app1 ID1 v1", "two h2 cron nil nil no-sd", "three h3 app3 app3 ID3 v3", "four h4 sshd nil nil no-sd"],
            effects.Logged);
    }

    [Fact]
    public void A_log_defined_anew_is_decided_anew()
    {
        // Reads only at first; the alarm handler then defines a log that keeps its messages.
        using var rule = Load("""
            kept = {}
            function log(msg) n = msg.host end
            function alarm_handler()
              function log(msg)
                if msg.msg == "dump" then
                  for _, m in ipairs(kept) do syslog("info", m.msg) end
                else
                  kept[#kept + 1] = msg
                end
              end
            end
            """);
        Assert.True(rule.RefillsMessageTable);
        Assert.Null(rule.Deliver(RuleFolder.Message("before")));
        Assert.Null(rule.CallHook("alarm_handler"));
        Assert.False(rule.RefillsMessageTable);

        foreach (var text in new[] { "x", "y", "z", "dump" })
        {
            Assert.Null(rule.Deliver(RuleFolder.Message(text)));
        }

        Assert.Equal(["x", "y", "z"], effects.Logged);
    }

    private LuaRule Load(string lua, Func<RuleDefinition, RuleDefinition>? tweak = null) =>
        LuaRule.Load(folder.Rule("t", lua, tweak), effects, TimeProvider.System, "node1");

    private static SyslogMessage Rfc5424(string text, string host, string app, string msgId, string sdValue) =>
        RuleFolder.Message(text, host: host, program: app) with
        {
            Version = 1,
            Format = SyslogFormat.Rfc5424,
            MsgId = msgId,
            StructuredData = [new("x@1", [new("k", sdValue)])],
        };
}
