using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Rules;

/// <summary>The state loaded while the node starts is the one its worker runs: the top level runs once, and what it asked for is done.</summary>
[Collection(SerialCollection.Name)]
public sealed class LoadedScriptTests
{
    [Fact]
    public async Task The_top_level_runs_once_and_its_syslog_and_alarm_take_effect_through_the_worker()
    {
        using var folder = new RuleFolder();
        var script = folder.Write("top.lua", """
            syslog("notice", "top level ran")
            alarm(0.2)
            function alarm_handler() syslog("notice", "alarm rang") end
            function log(m) end
            """);
        await using var node = await TestNode.StartAsync($$"""syslogintr.rules.top.script = "{{script}}" """);

        var lines = await node.WaitForLinesAsync(l => l.Any(x => x.Contains("alarm rang")));

        Assert.Contains(lines, x => x.Contains("alarm rang"));
        Assert.Single(lines, x => x.Contains("top level ran"));
    }
}
