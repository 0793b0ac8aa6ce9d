using System.Text;
using Syslogintr.Actions;
using Syslogintr.Ingest;
using Syslogintr.Rules;
using Syslogintr.Sinks;
using Syslogintr.Sinks.Relay;

namespace Syslogintr.Tests.Rules;

public sealed class LuaRuleTests : IDisposable
{
    private readonly RuleFolder folder = new();
    private readonly RecordingEffects effects = new();

    public void Dispose() => folder.Dispose();

    private LuaRule Load(string lua, Func<RuleDefinition, RuleDefinition>? tweak = null) =>
        LuaRule.Load(folder.Rule("t", lua, tweak), effects, TimeProvider.System, "node1");

    [Fact]
    public void The_message_table_has_the_original_keys_and_names()
    {
        using var rule = Load("""
            function log(m)
              local keys = {}
              for k in pairs(m) do keys[#keys + 1] = k end
              table.sort(keys)
              syslog("info", table.concat(keys, " "))
              syslog("info", string.format("%s %s %s %s %s %d %s %d %s %d", m.facility, m.level, m.host, m.hostname, m.program, m.pid, tostring(m.remote), m.port, m.relay, m.logtimestamp))
            end
            """);
        Assert.Null(rule.Deliver(RuleFolder.Message("hello", host: "web1")));
        Assert.Equal(
            ["_RAW facility host hostname level localaddr localport logtimestamp msg pid port program relay remote timestamp version",
             "auth2 info 192.0.2.10 web1 sshd 4242 true 40000 192.0.2.10 1800000000"],
            effects.Logged);
    }

    [Fact]
    public void Host_and_program_names_stay_right_across_more_distinct_ones_than_the_state_keeps_made()
    {
        using var rule = Load("""function log(m) syslog("info", table.concat({ m.hostname, m.program, m.host, m.relay, m.localaddr }, " ")) end""");
        // The state keeps 4,096 names made into Lua strings and starts over when full; each field also remembers the
        // instance it pushed last. Runs of one instance, an equal copy of it, and new names, past two resets.
        var repeated = "steady-host";
        var expected = new List<string>();
        for (var i = 0; i < 15_000; i++)
        {
            var (host, program) = (i % 6) switch
            {
                < 3 => (repeated, "cron"),
                3 => (new string(repeated.AsSpan()), new string("cron".AsSpan())),
                _ => ($"host-{i}", $"prog-{i}"),
            };
            var remote = $"192.0.2.{i % 200}";
            Assert.Null(rule.Deliver(RuleFolder.Message("x", remote: remote, host: host, program: program)));
            expected.Add($"{host} {program} {remote} {remote} 127.0.0.1");
        }

        Assert.Equal(expected, effects.Logged);
    }

    [Fact]
    public void The_text_reaches_Lua_as_its_UTF8_bytes_whatever_its_length()
    {
        using var rule = Load("""function log(m) syslog("info", #m.msg .. ":" .. m.msg) end""");
        // Longer than the state's first encoding buffer, then shorter (nothing of the longer one may remain), then a
        // lone surrogate (replaced, as the state's UTF-8 encoding always did).
        string[] texts = ["long " + new string('\u00fc', 3000) + " end", "short \u00e9", "lone \ud800 surrogate"];
        foreach (var text in texts)
        {
            Assert.Null(rule.Deliver(RuleFolder.Message(text)));
        }

        Assert.Equal(
            texts.Select(t => Encoding.UTF8.GetBytes(t)).Select(b => $"{b.Length}:{Encoding.UTF8.GetString(b)}"),
            effects.Logged);
    }

    [Theory]
    [InlineData("web1", "192.0.2.10")] // a name: the sender's address, as the original (which took no names)
    [InlineData("203.0.113.9", "203.0.113.9")] // an address literal stands for the host, as the original's inet_pton check
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("10.1", "192.0.2.10")] // shorthands inet_pton refuses are names
    [InlineData("010.1.2.3", "192.0.2.10")]
    [InlineData("fe80::1%eth0", "192.0.2.10")]
    public void Host_is_an_address_literal_of_the_header_else_the_senders(string header, string host)
    {
        using var rule = Load("""function log(m) syslog("info", m.host .. " " .. m.hostname) end""");
        Assert.Null(rule.Deliver(RuleFolder.Message("x", host: header)));
        Assert.Equal([host + " " + header], effects.Logged);
    }

    [Fact]
    public void A_relay_names_the_header_host_unless_the_script_rewrote_host()
    {
        using var rule = Load("""
            local home = host("logs.example.net", 5514)
            function log(m)
              relay(home, m)
              m.host = "198.51.100.1"
              relay(home, m)
            end
            """);
        Assert.Null(rule.Deliver(RuleFolder.Message("x", host: "web1")));
        Assert.Equal(["web1", "198.51.100.1"], effects.Actions.OfType<RelayRequested>().Select(r => r.Message.Hostname));
    }

    [Fact]
    public void A_relay_writes_a_header_host_exactly_when_the_table_says_remote_as_the_original()
    {
        // brevard.lua relays its own local lines as from its public address by setting remote and host; a script
        // that marks a network message local relays it without a host, as the original's relay() did.
        using var rule = Load("""
            local home = host("logs.example.net")
            function log(m)
              m.remote = not m.remote
              if m.remote then m.host = "66.252.224.242" end
              relay(home, m)
            end
            """);
        var local = RuleFolder.Message("from the unix socket") with { Origin = new Origin(Transport.Unix, null, -1, "/dev/log", -1, "local") };
        Assert.Null(rule.Deliver(local));
        Assert.Null(rule.Deliver(RuleFolder.Message("from the network", host: "web1")));
        var sent = effects.Actions.OfType<RelayRequested>().Select(r => RelayWireFormat.Rfc3164(r.Message, TimeZoneInfo.Local)).ToList();
        Assert.Equal(2, sent.Count);
        Assert.Matches(@"^<86>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} 66\.252\.224\.242 sshd\[4242\]: from the unix socket$", sent[0]);
        Assert.Matches(@"^<86>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} sshd\[4242\]: from the network$", sent[1]);
    }

    [Fact]
    public void The_shipped_hostcounts_counts_header_host_names_not_the_relaying_sender()
    {
        var script = Path.Combine(RuleFolder.Shipped, "hostcounts.lua");
        using var rule = LuaRule.Load(RuleFolder.Definition("hostcounts", script, Path.Combine(RuleFolder.Shipped, "lib")), effects, TimeProvider.System, "node1");
        foreach (var host in new[] { "web1", "web2", "web1" })
        {
            Assert.Null(rule.Deliver(RuleFolder.Message("x", host: host)));
        }

        Assert.Null(rule.CallHook("reload_signal"));
        Assert.Equal([" web1:2 web2:1"], effects.Logged);
    }

    [Fact]
    public void Relay_sends_the_rewritten_table_to_the_named_destination()
    {
        using var rule = Load("""
            local home = host("logs.example.net", 5514)
            function log(m)
              m.program = "renamed"
              m.level = "warning"
              relay(home, m)
              relay(lsock("/run/other.sock"), m, "rfc5424")
            end
            """);
        Assert.Null(rule.Deliver(RuleFolder.Message("text")));
        var relays = effects.Actions.OfType<RelayRequested>().ToList();
        Assert.Equal(new RelayDestination("udp", "logs.example.net", 5514), relays[0].Destination);
        Assert.False(relays[0].Rfc5424);
        Assert.Equal("renamed", relays[0].Message.AppName);
        Assert.Equal(Severity.Warning, relays[0].Message.Severity);
        Assert.Equal(Facility.AuthPriv, relays[0].Message.Facility);
        Assert.Equal("text", relays[0].Message.Message);
        Assert.Equal(new RelayDestination("unix", "/run/other.sock", -1), relays[1].Destination);
        Assert.True(relays[1].Rfc5424);
    }

    [Fact]
    public void Actions_become_effects_and_return_at_once()
    {
        using var rule = Load("""
            function log(m)
              ban { ip = "192.0.2.7", seconds = "1h", reason = "test" }
              exec { argv = { "/bin/true", "x" }, timeout = 5 }
              alert { subject = "s", body = "b", severity = "crit" }
            end
            """);
        Assert.Null(rule.Deliver(RuleFolder.Message("x")));
        var ban = Assert.IsType<BanRequested>(effects.Actions[0]);
        Assert.Equal(("192.0.2.7", TimeSpan.FromHours(1), "test", "t"), (ban.Address, ban.Duration, ban.Reason, ban.Rule));
        Assert.Equal(["/bin/true", "x"], Assert.IsType<ExecRequested>(effects.Actions[1]).Argv);
        Assert.Equal(Severity.Critical, Assert.IsType<Syslogintr.Alerts.AlertRaised>(effects.Actions[2]).Severity);
    }

    [Fact]
    public void A_runaway_log_is_stopped_and_the_state_stays_usable()
    {
        using var rule = Load("""
            function log(m)
              if m.msg == "loop" then while true do end end
              syslog("info", "ok " .. m.msg)
            end
            """);
        var started = DateTime.UtcNow;
        var error = rule.Deliver(RuleFolder.Message("loop"));
        Assert.NotNull(error);
        Assert.Contains("budget exceeded at", error.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2));
        Assert.Null(rule.Deliver(RuleFolder.Message("after")));
        Assert.Equal(["ok after"], effects.Logged);
    }

    [Fact]
    public void A_loop_of_costly_library_calls_is_stopped_by_the_time_budget()
    {
        using var rule = Load("function log(m) local t = {} for i = 1, 1e9 do t[i % 100] = string.rep(tostring(i), 10) end end",
            r => r with { InstructionBudget = long.MaxValue / 2, TimeBudget = TimeSpan.FromMilliseconds(50) });
        var started = DateTime.UtcNow;
        Assert.Contains("budget exceeded", rule.Deliver(RuleFolder.Message("x"))!.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void A_lua_error_is_reported_with_the_script_line()
    {
        using var rule = Load("function log(m)\n  error('boom')\nend\n");
        var error = rule.Deliver(RuleFolder.Message("x"));
        Assert.Equal("log", error!.Hook);
        Assert.Contains("t.lua:2: boom", error.Message);
    }

    [Theory]
    [InlineData("return not pcall(os.execute, 'true') and not pcall(io.popen, 'true') and debug == nil and package.loadlib == nil")]
    [InlineData("return io.open('/etc/hostname') == nil")]
    [InlineData("return select(2, load(string.dump(function() end))) ~= nil")]
    [InlineData("package.path = '/usr/share/lua/5.4/?.lua'; return not pcall(require, 'nonexistent_module_xyz')")]
    [InlineData("return not pcall(dofile, '/etc/hostname')")]
    [InlineData("return not pcall(collectgarbage, 'stop')")]
    [InlineData("return not pcall(string.rep, 'x', 1e12) and not pcall(function() return ('x'):rep(1e12) end)")]
    public void Sandbox_escapes_are_refused(string probe)
    {
        using var rule = Load($$"""
            local function probe() {{probe}} end
            function log(m) syslog("info", tostring(probe())) end
            """);
        Assert.Null(rule.Deliver(RuleFolder.Message("x")));
        Assert.Equal(["true"], effects.Logged);
    }

    [Fact]
    public void A_trusted_rule_has_the_full_library()
    {
        using var rule = Load("function log(m) syslog('info', tostring(os.execute ~= nil and debug ~= nil)) end", r => r with { Trusted = true });
        Assert.Null(rule.Deliver(RuleFolder.Message("x")));
        Assert.Equal(["true"], effects.Logged);
    }

    [Fact]
    public void Write_is_limited_to_allowed_paths()
    {
        var allowed = Path.Combine(folder.Path, "out");
        using var rule = Load("""
            function log(m)
              write(options.dir .. "/ok.log", "line")
              write("/etc/evil", "line")
            end
            """, r => r with { AllowedPaths = [allowed], Options = RuleOptions.From("test", Akka.Configuration.ConfigurationFactory.ParseString($"dir = \"{allowed}\"")) });
        var error = rule.Deliver(RuleFolder.Message("x"));
        Assert.Contains("outside the paths", error!.Message);
        Assert.Equal(Path.Combine(allowed, "ok.log"), Assert.IsType<FileWriteRequested>(Assert.Single(effects.Actions)).Path);
    }

    [Fact]
    public void Syslog_output_stops_at_the_generation_limit()
    {
        using var rule = Load("function log(m) syslog('info', 'again') end");
        Assert.Null(rule.Deliver(RuleFolder.Message("x") with { Generation = 2 }));
        Assert.Null(rule.Deliver(RuleFolder.Message("x") with { Generation = 3 }));
        Assert.Equal(3, Assert.Single(effects.Actions.OfType<SyslogMessage>()).Generation);
        Assert.Equal(4, Assert.Single(effects.Refused).Generation);
    }

    [Fact]
    public void The_original_minsys_script_runs_unchanged_with_every_hook()
    {
        var rule = RuleFolder.Definition("minsys", Path.Combine(RuleFolder.Shipped, "minsys.lua"), Path.Combine(RuleFolder.Shipped, "lib"));
        using var lua = LuaRule.Load(rule, effects, TimeProvider.System, "node1");
        Assert.Equal(TimeSpan.FromHours(1), effects.Alarm);
        Assert.Null(lua.Deliver(RuleFolder.Message("x")));
        Assert.Null(lua.CallHook("reload_signal"));
        Assert.Null(lua.CallHook("alarm_handler"));
        Assert.Null(lua.CallHook("cleanup"));
        Assert.Equal(["reload_signal() called", "alarm_handler() called", "cleanup() called"], effects.Logged);
    }

    [Fact]
    public void A_script_without_log_does_not_load()
    {
        var e = Assert.Throws<RuleLoadException>(() => Load("x = 1"));
        Assert.Contains("does not define a function log", e.Message);
    }

    [Fact]
    public void Options_arrive_as_a_lua_table()
    {
        using var rule = Load("function log(m) syslog('info', string.format('%d %s %s', options.threshold + 1, options.name, tostring(options.list[2]))) end",
            r => r with { Options = RuleOptions.From("test", Akka.Configuration.ConfigurationFactory.ParseString("threshold = 4, name = x, list = [a, b]")) });
        Assert.Null(rule.Deliver(RuleFolder.Message("x")));
        Assert.Equal(["5 x b"], effects.Logged);
    }
}
