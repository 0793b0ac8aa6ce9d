using System.Diagnostics;
using Syslogintr.Rules;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// A trusted rule runs as the original's scripts did: the full standard library of a full Lua build (Debian's
/// liblua5.4-0: io.popen), C modules (Debian's lua-lpeg), and a time budget that counts the script's own time, not
/// the time it waits for a child process or a pipe.
/// </summary>
public sealed class TrustedRuntimeTests : IDisposable
{
    private readonly RuleFolder folder = new();
    private readonly RecordingEffects effects = new();

    public void Dispose() => folder.Dispose();

    private LuaRule Load(string lua, Func<RuleDefinition, RuleDefinition>? tweak = null) =>
        LuaRule.Load(folder.Rule("t", lua, r => tweak is null ? r with { Trusted = true } : tweak(r with { Trusted = true })), effects, TimeProvider.System, "node1");

    [Fact]
    public void Debians_lpeg_loads_and_matches()
    {
        using var rule = Load("""
            local lpeg = require "lpeg"
            local number = lpeg.C(lpeg.R("09") ^ 1) * lpeg.P(" port ") * lpeg.C(lpeg.R("09") ^ 1)
            function log(m) syslog("info", table.concat({ number:match(m.msg) }, ",")) end
            """);
        Assert.Null(rule.Deliver(RuleFolder.Message("22 port 4711")));
        Assert.Equal(["22,4711"], effects.Logged);
    }

    [Fact]
    public void Io_popen_reads_a_commands_output()
    {
        using var rule = Load("""
            function log(m)
              local p = io.popen("echo hi")
              local line = p:read("l")
              syslog("info", line .. " " .. tostring(p:close()))
            end
            """);
        Assert.Null(rule.Deliver(RuleFolder.Message("x")));
        Assert.Equal(["hi true"], effects.Logged);
    }

    [Theory]
    [InlineData("os.execute('sleep 0.4')")]
    [InlineData("local p = io.popen('sleep 0.4; echo done'); p:read('a'); p:close()")]
    [InlineData("local p = io.popen('echo start; sleep 0.4; echo done'); for _ in p:lines() do end; p:close()")]
    public void Time_blocked_in_a_command_is_not_counted_but_a_loop_is_still_stopped(string blocking)
    {
        using var rule = Load($$"""
            function log(m)
              if m.msg == "loop" then while true do end end
              {{blocking}}
              local sum = 0
              for i = 1, 200000 do sum = sum + i end
              syslog("info", "ran " .. sum)
            end
            """, r => r with { TimeBudget = TimeSpan.FromMilliseconds(100) });

        var clock = Stopwatch.StartNew();
        Assert.Null(rule.Deliver(RuleFolder.Message("block")));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(400), $"the command took only {clock.Elapsed}");
        Assert.Equal(["ran 20000100000"], effects.Logged);

        clock.Restart();
        Assert.Contains("budget exceeded", rule.Deliver(RuleFolder.Message("loop"))?.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the loop ran {clock.Elapsed}");
    }
}
