using KeraLua;
using Syslogintr.Rules;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// The budget hook is armed only for a call that runs long (<see cref="BudgetWatchdog"/>): short calls run without
/// Lua's per-instruction tracing, a runaway is still stopped, the hook comes off when the call returns, and the
/// watchdog's timer stops when the state is idle. Waits have generous deadlines; nothing asserts elapsed time.
/// </summary>
public sealed class BudgetWatchdogTests : IDisposable
{
    private readonly RuleFolder folder = new();
    private readonly RecordingEffects effects = new();

    public void Dispose() => folder.Dispose();

    // Trusted: the script can ask debug.gethook() whether a hook is installed while it runs.
    private const string CountsHookedCalls = """
        hooked, calls = 0, 0
        function log(m)
          if m.msg == "loop" then while true do end end
          if m.msg == "report" then syslog("info", hooked .. "/" .. calls) return end
          calls = calls + 1
          if debug.gethook() then hooked = hooked + 1 end
        end
        """;

    private LuaRule Load(string lua) =>
        LuaRule.Load(folder.Rule("t", lua, r => r with { Trusted = true }), effects, TimeProvider.System, "node1");

    [Fact]
    public void Short_calls_run_without_the_count_hook()
    {
        using var rule = Load(CountsHookedCalls);
        for (var i = 0; i < 1000; i++)
        {
            Assert.Null(rule.Deliver(RuleFolder.Message("x")));
        }

        Assert.Null(rule.Deliver(RuleFolder.Message("report")));
        // Each call takes microseconds; one is hooked only if its thread stalled for a watchdog period or two.
        var (hooked, calls) = HookedOfCalls();
        Assert.Equal(1000, calls);
        Assert.True(hooked < 100, $"{hooked} of {calls} short calls ran with the count hook");
    }

    [Fact]
    public void The_instructions_of_a_short_call_are_not_counted()
    {
        // 1000 instructions (one hook tick) would stop each of these calls of ~100,000 instructions, had the
        // count run from the call's start; it starts only once a call has run a watchdog period or two.
        using var rule = LuaRule.Load(
            folder.Rule("t", "function log(m) local n = 0 for i = 1, 30000 do n = n + i end end", r => r with { InstructionBudget = 1000 }),
            effects,
            TimeProvider.System,
            "node1");
        var stopped = Enumerable.Range(0, 20).Count(_ => rule.Deliver(RuleFolder.Message("x")) is not null);
        Assert.True(stopped < 10, $"{stopped} of 20 short calls were stopped by the instruction budget");
    }

    [Fact]
    public void A_runaway_call_is_stopped_and_the_next_calls_run_without_the_hook_again()
    {
        using var rule = Load(CountsHookedCalls);
        var error = rule.Deliver(RuleFolder.Message("loop"));
        Assert.NotNull(error);
        Assert.True(error.OverBudget, error.Message);
        for (var i = 0; i < 100; i++)
        {
            Assert.Null(rule.Deliver(RuleFolder.Message("x")));
        }

        Assert.Null(rule.Deliver(RuleFolder.Message("report")));
        var (hooked, calls) = HookedOfCalls();
        Assert.Equal(100, calls);
        Assert.True(hooked < 50, $"{hooked} of {calls} calls after the runaway still ran with the count hook");
    }

    [Fact]
    public void A_runaway_top_level_and_alarm_handler_are_stopped()
    {
        var loading = Assert.Throws<RuleLoadException>(() => Load("function log(m) end\nwhile true do end\n"));
        Assert.Contains("stopped by the budget", loading.Reason);

        using var rule = Load("function log(m) end\nfunction alarm_handler() while true do end end\n");
        var error = rule.CallHook("alarm_handler");
        Assert.NotNull(error);
        Assert.True(error.OverBudget, error.Message);
    }

    [Theory]
    [InlineData("coroutine.wrap(function() while true do end end)()")]
    [InlineData("local co = coroutine.create(function() coroutine.yield() while true do end end) coroutine.resume(co) assert(coroutine.resume(co))")]
    public async Task A_runaway_coroutine_is_stopped(string body)
    {
        var rule = LuaRule.Load(folder.Rule("t", $"function log(m) {body} end"), effects, TimeProvider.System, "node1");
        // Not disposed if the call never returns: closing a state another thread runs in would crash the process.
        var error = await Task.Run(() => rule.Deliver(RuleFolder.Message("x"))).WaitAsync(TimeSpan.FromSeconds(30));
        rule.Dispose();
        Assert.Contains("budget exceeded", error?.Message);
    }

    [Fact]
    public void The_watchdog_stops_its_timer_when_no_call_is_made_and_restarts_it_with_the_next()
    {
        LuaLibrary.EnsureLoaded();
        using var lua = new Lua();
        Assert.False(lua.DoString("debug.sethook(function() error('stopped', 0) end, '', 1000)"));
        using var watchdog = new BudgetWatchdog(lua.Handle);

        Assert.False(watchdog.Watching);
        watchdog.Enter();
        Assert.True(watchdog.Watching);
        watchdog.Leave();
        Assert.True(SpinWait.SpinUntil(() => !watchdog.Watching, TimeSpan.FromSeconds(10)), "the timer still runs on an idle state");

        // The next call starts it again, and a loop in it is stopped by the hook the watchdog arms.
        Assert.Equal(LuaStatus.OK, lua.LoadString("while true do end"));
        watchdog.Enter();
        Assert.True(watchdog.Watching);
        var status = lua.PCall(0, 0, 0);
        watchdog.Leave();
        Assert.Equal((LuaStatus.ErrRun, "stopped"), (status, lua.ToString(-1, false)));
    }

    private (int Hooked, int Calls) HookedOfCalls()
    {
        var parts = effects.Logged.Last().Split('/');
        return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
