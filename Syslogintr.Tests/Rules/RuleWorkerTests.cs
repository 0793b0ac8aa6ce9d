using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Syslogintr.Actions;
using Syslogintr.Hosting;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Rules;

using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Rules;

/// <summary>Rule workers behind a real router and ingest queue; bans go to a probe registered as the ban actor.</summary>
[Collection(SerialCollection.Name)]
public sealed class RuleWorkerTests : TestKit
{
    private readonly RuleFolder folder = new();
    // The over-budget pause is read from the node's clock: the test moves it instead of waiting it out.
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero));
    private readonly NodeServices node;
    private readonly ActorRegistry registry = new();
    private readonly IActorRef router;

    public RuleWorkerTests()
    {
        node = new(new IngestQueue(100_000), new NodeMetrics(), clock, "node1");
        router = Sys.ActorOf(RouterActor.Props(node.Queue, node.Metrics, 256, DefaultPipeline.Settings.MaxBackpressure));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        folder.Dispose();
    }

    private const string BanEach = "function log(m) ban { ip = m.remote and m.relay ~= '' and m.relay or '192.0.2.1', reason = m.msg } end";

    private IActorRef Start(RuleDefinition rule, int index = 0) =>
        Sys.ActorOf(RuleWorkerActor.Props(rule, index, node, router, ActionTargets.From(registry), 1000, DefaultPipeline.Settings.MaxMessagesInFlight));

    private void AwaitSubscribed(int consumers) => AwaitAssert(() => Assert.Equal(consumers, node.Metrics.Consumers.Count()));

    private static SyslogMessage From(string remote, string text, Facility facility = Facility.AuthPriv) =>
        RuleFolder.Message(text, remote: remote, facility: facility, host: "web1");

    [Fact]
    public void The_loaded_line_says_when_log_gets_the_refilled_message_table()
    {
        var loading = TimeSpan.FromSeconds(15); // a loaded 2-core machine starts a Lua state slowly
        EventFilter.Info(new Regex(@"rule reader loaded .*reader\.lua \(its log only reads fields of msg")).ExpectOne(loading, () => Start(folder.Rule("reader", "function log(m) n = m.host end")));
        // The line ends with the script's path: nothing said.
        EventFilter.Info(new Regex(@"rule keeper loaded .*keeper\.lua$")).ExpectOne(loading, () => Start(folder.Rule("keeper", "function log(m) kept = m end")));
    }

    [Fact]
    public void A_rule_sees_only_what_its_match_accepts()
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        var match = RuleMatch.From("m", Akka.Configuration.ConfigurationFactory.ParseString("facility = [authpriv], severity = \"warn+\""));
        Start(folder.Rule("m", BanEach, r => r with { Match = match }));
        AwaitSubscribed(1);

        node.Queue.TryEnqueue(From("192.0.2.5", "info, not severe enough"));
        node.Queue.TryEnqueue(RuleFolder.Message("wanted", severity: Severity.Error));
        node.Queue.TryEnqueue(RuleFolder.Message("wrong facility", facility: Facility.Mail, severity: Severity.Error));

        Assert.Equal("wanted", bans.ExpectMsg<BanRequested>().Reason);
        bans.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_pool_keeps_each_key_in_one_state()
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        // Each state names itself by the address of a table of its own.
        var rule = folder.Rule("pool", "local me = tostring({}) function log(m) ban { ip = m.relay, reason = me } end", r => r with { Instances = 2, PartitionBy = "remote" });
        Start(rule, 0);
        Start(rule, 1);
        AwaitSubscribed(2);

        var remotes = Enumerable.Range(1, 20).Select(i => $"198.51.100.{i}").ToList();
        foreach (var round in Enumerable.Range(0, 3))
        {
            foreach (var remote in remotes)
            {
                node.Queue.TryEnqueue(From(remote, $"r{round}"));
            }
        }

        var seen = bans.ReceiveN(60).Cast<BanRequested>().ToList();
        foreach (var group in seen.GroupBy(b => b.Address))
        {
            Assert.Single(group.Select(b => b.Reason).Distinct());
        }

        Assert.Equal(2, seen.Select(b => b.Reason).Distinct().Count());
    }

    [Fact]
    public void A_rule_that_loops_forever_does_not_slow_another()
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        Start(folder.Rule("loops", "function log(m) while true do end end", r => r with { InstructionBudget = 5_000_000 }));
        var healthy = Start(folder.Rule("healthy", BanEach));
        AwaitSubscribed(2);

        for (var i = 0; i < 200; i++)
        {
            node.Queue.TryEnqueue(From("192.0.2.9", $"m{i}"));
        }

        var received = bans.ReceiveN(200, TimeSpan.FromSeconds(5));
        Assert.Equal(200, received.Count);
        healthy.Tell(GetRuleStats.Instance);
        Assert.Equal(0, ExpectMsg<RuleStats>().Errors);
    }

    [Fact]
    public void A_rule_over_its_budget_twice_in_a_row_skips_its_messages_for_a_second_then_runs_them_again()
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        var worker = Start(folder.Rule("stuck", "function log(m) if m.msg == 'loop' then while true do end end " + BanEach[16..], r => r with { TimeBudget = TimeSpan.FromMilliseconds(50) }));
        AwaitSubscribed(1);

        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        foreach (var text in new[] { "loop", "loop", "skipped", "skipped too" })
        {
            node.Queue.TryEnqueue(From("192.0.2.9", text));
        }

        AwaitAssert(() => Assert.Equal(4, node.Metrics.Rule("stuck").Errors), TimeSpan.FromSeconds(5));
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(1), $"the skipped messages took {elapsed.Elapsed}");

        // A tick short of the second the rule is still skipped; at the second it runs again. Any ban from a
        // skipped message would arrive before the one expected below.
        clock.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1));
        node.Queue.TryEnqueue(From("192.0.2.9", "still skipped"));
        AwaitAssert(() => Assert.Equal(5, node.Metrics.Rule("stuck").Errors), TimeSpan.FromSeconds(5));
        clock.Advance(TimeSpan.FromTicks(1));
        node.Queue.TryEnqueue(From("192.0.2.9", "after the pause"));
        Assert.Equal("after the pause", bans.ExpectMsg<BanRequested>().Reason);
        worker.Tell(GetRuleStats.Instance);
        Assert.Equal((6, 5), (ExpectMsg<RuleStats>().Messages, node.Metrics.Rule("stuck").Errors));
    }

    [Fact]
    public void Errors_are_counted_and_the_rule_goes_on()
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        var worker = Start(folder.Rule("flaky", "function log(m) if m.msg == 'bad' then error('no') end " + BanEach[16..]));
        AwaitSubscribed(1);
        node.Queue.TryEnqueue(From("192.0.2.9", "bad"));
        node.Queue.TryEnqueue(From("192.0.2.9", "good"));
        Assert.Equal("good", bans.ExpectMsg<BanRequested>().Reason);
        worker.Tell(GetRuleStats.Instance);
        var stats = ExpectMsg<RuleStats>();
        Assert.Equal((2, 1), (stats.Messages, stats.Errors));
    }

    [Fact]
    public void Rule_counters_reach_the_node_metrics_and_its_summary()
    {
        var worker = Start(folder.Rule("flaky", "function log(m) if m.msg == 'bad' then error('no') end end"));
        AwaitSubscribed(1);
        node.Queue.TryEnqueue(From("192.0.2.9", "bad"));
        node.Queue.TryEnqueue(From("192.0.2.9", "good"));
        AwaitAssert(() => Assert.Equal(2, node.Metrics.Rule("flaky").Messages));

        Assert.Contains("rule flaky: messages=2 errors=1 rebuilds=0 reloads=0 injections_refused=0 injections_dropped=0 version=1", node.Metrics.Summary());
        var measured = new Dictionary<string, long>();
        using (var listener = new System.Diagnostics.Metrics.MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == node.Metrics.Meter && instrument.Name.StartsWith("syslogintr.rule.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                Assert.Equal(new KeyValuePair<string, object?>("rule", "flaky"), Assert.Single(tags.ToArray()));
                measured[instrument.Name] = value;
            });
            listener.Start();
            listener.RecordObservableInstruments();
        }

        Assert.Equal(2, measured["syslogintr.rule.messages"]);
        Assert.Equal(1, measured["syslogintr.rule.errors"]);
        Assert.Equal(1, measured["syslogintr.rule.script_version"]);
        Assert.Equal(0, measured["syslogintr.rule.injections_refused"]);
        worker.Tell(GetRuleStats.Instance);
        Assert.Equal(RuleStats.Of("flaky", 0, node.Metrics.Rule("flaky")), ExpectMsg<RuleStats>());
    }

    [Fact]
    public void A_state_over_its_memory_limit_is_rebuilt()
    {
        var worker = Start(folder.Rule("hog", "hoard = {} function log(m) for i = 1, 2000 do hoard[#hoard + 1] = m.msg .. i end end", r => r with { MemoryLimitBytes = 1 << 20 }));
        AwaitSubscribed(1);
        for (var i = 0; i < 50; i++)
        {
            node.Queue.TryEnqueue(From("192.0.2.9", new string('x', 100)));
        }

        AwaitAssert(() =>
        {
            worker.Tell(GetRuleStats.Instance, TestActor);
            var stats = ExpectMsg<RuleStats>();
            Assert.Equal(50, stats.Messages);
            Assert.True(stats.Rebuilds > 0);
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Reload_swaps_in_the_changed_script_without_losing_a_message()
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        var rule = folder.Rule("swap", "function log(m) ban { ip = '192.0.2.1', reason = 'v1' } end");
        var worker = Start(rule);
        AwaitSubscribed(1);

        for (var i = 0; i < 150; i++)
        {
            node.Queue.TryEnqueue(From("192.0.2.9", $"m{i}"));
        }

        // The reload lands while messages are still flowing: once the first v1 ban is out.
        bans.ExpectMsg<BanRequested>();
        File.WriteAllText(rule.ScriptPath, "function log(m) ban { ip = '192.0.2.1', reason = 'v2' } end");
        Sys.EventStream.Publish(ReloadRequested.Instance);
        for (var i = 150; i < 300; i++)
        {
            node.Queue.TryEnqueue(From("192.0.2.9", $"m{i}"));
        }

        var reasons = bans.ReceiveN(299, TimeSpan.FromSeconds(10)).Cast<BanRequested>().Select(b => b.Reason).ToList();
        Assert.Equal("v2", reasons[^1]);
        Assert.Equal(reasons.Count(r => r == "v1"), reasons.IndexOf("v2"));

        File.WriteAllText(rule.ScriptPath, "this is not lua");
        Sys.EventStream.Publish(ReloadRequested.Instance);
        node.Queue.TryEnqueue(From("192.0.2.9", "after a broken reload"));
        Assert.Equal("v2", bans.ExpectMsg<BanRequested>().Reason);
        worker.Tell(GetRuleStats.Instance);
        Assert.Equal(2, ExpectMsg<RuleStats>().ScriptVersion);
    }

    // The original's idioms: `x = (x or 0)`, and a guard that opens files or flushes a chain once.
    private static string Counting(string version) => $$"""
        count = (count or 0)
        if seen == nil then seen = true ban { ip = '192.0.2.1', reason = 'guard ran' } end
        function log(m) count = count + 1 ban { ip = '192.0.2.1', reason = '{{version}} ' .. count } end
        """;

    /// <summary>Publishes SIGUSR1 and waits until <paramref name="worker"/> has handled it (its stats come after it in its mailbox).</summary>
    private RuleStats ReloadAndWait(IActorRef worker)
    {
        Sys.EventStream.Publish(ReloadRequested.Instance);
        worker.Tell(GetRuleStats.Instance);
        return ExpectMsg<RuleStats>();
    }

    private static string NextBan(TestProbe bans) => bans.ExpectMsg<BanRequested>(TimeSpan.FromSeconds(5)).Reason;

    [Theory]
    [InlineData(RuleReload.SameState, new[] { "v2 3" })]
    [InlineData(RuleReload.Fresh, new[] { "guard ran", "v2 1" })]
    public void Reload_keeps_globals_and_skips_guarded_blocks_in_the_same_state_and_starts_over_when_fresh(RuleReload mode, string[] afterReload)
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        var rule = folder.Rule("count", Counting("v1"), r => r with { Reload = mode });
        var worker = Start(rule);
        AwaitSubscribed(1);
        Assert.Equal("guard ran", NextBan(bans));
        node.Queue.TryEnqueue(From("192.0.2.9", "a"));
        node.Queue.TryEnqueue(From("192.0.2.9", "b"));
        Assert.Equal(["v1 1", "v1 2"], [NextBan(bans), NextBan(bans)]);

        File.WriteAllText(rule.ScriptPath, Counting("v2"));
        Assert.Equal(2, ReloadAndWait(worker).ScriptVersion);
        node.Queue.TryEnqueue(From("192.0.2.9", "c"));

        Assert.Equal(afterReload, afterReload.Select(_ => NextBan(bans)).ToArray());
        bans.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Reload_in_the_same_state_keeps_required_modules_cached()
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        folder.Write("counted.lua", "ban { ip = '192.0.2.1', reason = 'module v1 ran' } return { version = 'v1' }");
        string Script(string version) => $"local m = require 'counted' first = first or m function log(msg) ban {{ ip = '192.0.2.1', reason = '{version} ' .. m.version .. ' ' .. tostring(m == first) .. ' ' .. type(only_in_script1) }} end";
        var rule = folder.Rule("mods", Script("script1") + " function only_in_script1() end");
        var worker = Start(rule);
        AwaitSubscribed(1);
        Assert.Equal("module v1 ran", NextBan(bans));

        folder.Write("counted.lua", "ban { ip = '192.0.2.1', reason = 'module v2 ran' } return { version = 'v2' }");
        File.WriteAllText(rule.ScriptPath, Script("script2"));
        Assert.Equal(2, ReloadAndWait(worker).ScriptVersion);
        node.Queue.TryEnqueue(From("192.0.2.9", "a"));

        // The module's top level did not run again, require handed back the very table package.loaded kept, and
        // a function the new file no longer defines lingers.
        Assert.Equal("script2 v1 true function", NextBan(bans));
    }

    [Fact]
    public void A_reload_that_does_not_compile_changes_nothing_and_says_why()
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        var rule = folder.Rule("typo", Counting("v1"));
        var worker = Start(rule);
        AwaitSubscribed(1);
        Assert.Equal("guard ran", NextBan(bans));
        node.Queue.TryEnqueue(From("192.0.2.9", "a"));
        Assert.Equal("v1 1", NextBan(bans));
        File.WriteAllText(rule.ScriptPath, Counting("v2"));
        ReloadAndWait(worker);
        node.Queue.TryEnqueue(From("192.0.2.9", "b"));
        Assert.Equal("v2 2", NextBan(bans));

        // Not one line of it runs: count stays the running state's.
        File.WriteAllText(rule.ScriptPath, "count = 100\nfunction log(m) ban { ip = '192.0.2.1', reason = 'v3' }\n");
        var stats = EventFilter.Error(contains: "typo.lua:").ExpectOne(() => ReloadAndWait(worker));
        node.Queue.TryEnqueue(From("192.0.2.9", "c"));

        Assert.Equal(2, stats.ScriptVersion);
        Assert.Equal("v2 3", NextBan(bans));
    }

    [Fact]
    public void A_reload_whose_top_level_fails_keeps_what_ran_before_the_error_as_the_original_does()
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        var rule = folder.Rule("partial", Counting("v1"));
        var worker = Start(rule);
        AwaitSubscribed(1);
        Assert.Equal("guard ran", NextBan(bans));

        File.WriteAllText(rule.ScriptPath, """
            stage = 'before'
            function log(m) count = count + 1 ban { ip = '192.0.2.1', reason = 'v2 ' .. count .. ' ' .. stage } end
            error('boom')
            stage = 'after'
            """);
        EventFilter.Error(contains: "boom").ExpectOne(() => ReloadAndWait(worker));
        node.Queue.TryEnqueue(From("192.0.2.9", "a"));
        Assert.Equal("v2 1 before", NextBan(bans));

        // Stopped by the budget: the same, and the state stays usable.
        File.WriteAllText(rule.ScriptPath, "function log(m) ban { ip = '192.0.2.1', reason = 'v3 ' .. count } end while true do end");
        EventFilter.Error(contains: "budget exceeded").ExpectOne(() => ReloadAndWait(worker));
        node.Queue.TryEnqueue(From("192.0.2.9", "b"));
        Assert.Equal("v3 1", NextBan(bans));
    }

    [Theory]
    [InlineData(RuleReload.SameState)]
    [InlineData(RuleReload.Fresh)]
    public void An_alarm_the_new_top_level_does_not_set_keeps_running_in_the_same_state_and_stops_when_fresh(RuleReload mode)
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        var rule = folder.Rule("tick", "alarm(0.1) function alarm_handler() ban { ip = '192.0.2.1', reason = 'tick v1' } end function log(m) end", r => r with { Reload = mode });
        var worker = Start(rule);
        AwaitSubscribed(1);
        Assert.Equal("tick v1", NextBan(bans));

        File.WriteAllText(rule.ScriptPath, "function alarm_handler() ban { ip = '192.0.2.1', reason = 'tick v2' } end function log(m) end");
        ReloadAndWait(worker);
        bans.ReceiveWhile(TimeSpan.FromMilliseconds(50), m => m);

        if (mode == RuleReload.SameState)
        {
            Assert.Equal("tick v2", NextBan(bans));
        }
        else
        {
            bans.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        }
    }

    [Fact]
    public void Cleanup_runs_once_when_the_node_asks_before_it_stops()
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        var worker = Start(folder.Rule("tidy", "function log(m) end function cleanup() ban { ip = '192.0.2.4', reason = 'cleanup' } end"));
        AwaitSubscribed(1);

        worker.Tell(RunCleanup.Instance);
        Assert.Equal(new RuleCleanedUp("tidy", 0), ExpectMsg<RuleCleanedUp>());
        Assert.Equal("cleanup", bans.ExpectMsg<BanRequested>().Reason);
        Watch(worker);
        Sys.Stop(worker);
        ExpectTerminated(worker);
        bans.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Hangup_calls_reload_signal()
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        Start(folder.Rule("hup", "function log(m) end function reload_signal() ban { ip = '192.0.2.3', reason = 'hup' } end"));
        AwaitSubscribed(1);
        AwaitAssert(() =>
        {
            Sys.EventStream.Publish(HangupReceived.Instance);
            Assert.Equal("hup", bans.ExpectMsg<BanRequested>(TimeSpan.FromMilliseconds(200)).Reason);
        });
    }

    [Fact]
    public void A_rule_that_keeps_failing_is_restarted_by_its_supervisor()
    {
        var bans = CreateTestProbe();
        registry.Register<BanKey>(bans);
        var rule = folder.Rule("broken", "ban { ip = '192.0.2.1', reason = 'loaded' } function log(m) error('always') end",
            r => r with { RestartMinBackoff = TimeSpan.FromMilliseconds(100), RestartMaxBackoff = TimeSpan.FromMilliseconds(200) });
        Sys.ActorOf(RulesHosting.Supervised(RuleWorkerActor.Props(rule, 0, node, router, ActionTargets.From(registry), maxConsecutiveErrors: 3, DefaultPipeline.Settings.MaxMessagesInFlight), rule));
        Assert.Equal("loaded", bans.ExpectMsg<BanRequested>().Reason);
        AwaitSubscribed(1);

        for (var i = 0; i < 3; i++)
        {
            node.Queue.TryEnqueue(From("192.0.2.9", $"m{i}"));
        }

        Assert.Equal("loaded", bans.ExpectMsg<BanRequested>(TimeSpan.FromSeconds(5)).Reason);
    }

    [Fact]
    public void A_rule_logging_every_message_it_sees_stops_at_the_generation_limit()
    {
        var worker = Start(folder.Rule("echo", "function log(m) syslog('info', 'echo of ' .. m.msg) end"));
        AwaitSubscribed(1);
        node.Queue.TryEnqueue(From("192.0.2.9", "first"));

        AwaitAssert(() =>
        {
            worker.Tell(GetRuleStats.Instance, TestActor);
            var stats = ExpectMsg<RuleStats>();
            Assert.Equal((4, 1), (stats.Messages, stats.RefusedInjections));
        }, TimeSpan.FromSeconds(5));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        worker.Tell(GetRuleStats.Instance);
        Assert.Equal(4, ExpectMsg<RuleStats>().Messages);
    }

    [Fact]
    public void Relay_and_alert_reach_the_registered_actors()
    {
        var relays = CreateTestProbe();
        var alerts = CreateTestProbe();
        registry.Register<global::Syslogintr.Sinks.RelayKey>(relays);
        registry.Register<global::Syslogintr.Alerts.AlertsKey>(alerts);
        Start(folder.Rule("fwd", "local home = host('logs.example.net', 6514, 'tcp') function log(m) relay(home, m, 'rfc5424') alert { subject = m.msg } end"));
        AwaitSubscribed(1);
        node.Queue.TryEnqueue(From("192.0.2.9", "forward me"));

        var relay = relays.ExpectMsg<global::Syslogintr.Sinks.RelayRequested>();
        Assert.Equal((new global::Syslogintr.Sinks.RelayDestination("tcp", "logs.example.net", 6514), true, "fwd"), (relay.Destination, relay.Rfc5424, relay.Rule));
        Assert.Equal("forward me", relay.Message.Message);
        Assert.Equal("forward me", alerts.ExpectMsg<Syslogintr.Alerts.AlertRaised>().Subject);
    }
}
