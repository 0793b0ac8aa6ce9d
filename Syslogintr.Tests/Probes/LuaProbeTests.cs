using Akka.Configuration;
using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Probes;
using Syslogintr.Rules;
using Syslogintr.Tests.Alerts;

namespace Syslogintr.Tests.Probes;

public sealed class LuaProbeTests : IDisposable
{
    private const string Script = """
        function log(msg) end
        local loaded_at = "load"
        function check_ok() return true, "queue ok, limit " .. options.limit end
        function check_bad() return false, "queue too long" end
        function check_bare() return nil end
        function check_error() error("no such table") end
        function check_loop() while true do end end
        """;

    private readonly TempDirectory temp = new();
    private readonly NodeServices node = new(new IngestQueue(100), new NodeMetrics(), TimeProvider.System, "testhost");

    private async Task<ProbeResult> Run(string function)
    {
        File.WriteAllText(temp.File("checks.lua"), Script);
        var config = ConfigurationFactory.ParseString($$"""
            syslogintr.rules.checks { script = "{{temp.File("checks.lua")}}", options { limit = 100 } }
            syslogintr.probes.queue { kind = lua, rule = checks, function = {{function}} }
            """);
        var probe = Assert.Single(ProbeSettings.AllFrom(config, temp.Path));
        Assert.Equal("check/queue", probe.Program);
        return await new ProbeFactory(node, ActionTargets.None, NoLogger.Instance).Create(probe.Target).RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_check_function_decides_up_or_down_and_gives_the_details()
    {
        Assert.Equal(new ProbeResult(true, "queue ok, limit 100"), await Run("check_ok"));
        Assert.Equal(new ProbeResult(false, "queue too long"), await Run("check_bad"));
        Assert.Equal(new ProbeResult(false, "not ok"), await Run("check_bare"));
    }

    [Fact]
    public async Task A_failing_missing_or_runaway_check_is_down_with_the_reason()
    {
        var error = await Run("check_error");
        Assert.False(error.Up);
        Assert.Contains("check_error() failed:", error.Details);
        Assert.Contains("no such table", error.Details);
        Assert.Equal(new ProbeResult(false, "checks.lua defines no function check_missing()"), await Run("check_missing"));
        var loop = await Run("check_loop");
        Assert.False(loop.Up);
        Assert.Contains("budget exceeded", loop.Details);
    }

    [Fact]
    public void A_lua_probe_must_name_an_existing_rule()
    {
        Assert.Throws<ConfigurationException>(() => ProbeSettings.AllFrom(ConfigurationFactory.ParseString(
            """syslogintr.probes.queue { kind = lua, rule = nope, function = check }"""), temp.Path));
    }

    public void Dispose() => temp.Dispose();
}
