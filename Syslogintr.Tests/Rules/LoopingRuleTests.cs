using System.Diagnostics;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Rules;

/// <summary>Broken rules in a whole node, on the shipped dispatcher configuration.</summary>
[Collection(SerialCollection.Name)]
public sealed class LoopingRuleTests
{
    private const int Count = 5001;

    [Fact]
    public async Task Two_rules_looping_forever_leave_a_healthy_rule_all_its_messages_and_count_their_own()
    {
        using var folder = new RuleFolder();
        var loop = folder.Write("loop.lua", "function log(m) while true do end end");
        var healthy = folder.Write("healthy.lua", "function log(m) end");
        await using var node = await TestNode.StartAsync($$"""
            syslogintr.rules {
              loop1.script = "{{loop}}"
              loop2.script = "{{loop}}"
              healthy.script = "{{healthy}}"
            }
            """);
        var metrics = node.Services.Metrics;

        // A first hundred, so both looping rules are busy when the rest arrives.
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Count; i++)
        {
            Assert.True(node.Services.Queue.TryEnqueue(RuleFolder.Message($"m{i}")));
            while (i == 100 && (metrics.Rule("loop1").Messages == 0 || metrics.Rule("loop2").Messages == 0) && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(10);
            }
        }

        while (metrics.Rule("healthy").Messages < Count && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        var healthyTook = clock.Elapsed;
        Assert.True(metrics.Rule("healthy").Messages == Count, $"the healthy rule handled {metrics.Rule("healthy").Messages} of {Count} in {healthyTook}");
        Assert.Equal(0, metrics.Rule("healthy").Errors);

        // Every message offered to a looping rule is accounted for: given to it and counted as an error (stopped
        // by the budget, or skipped while the rule is over budget), or dropped by the router's credit.
        foreach (var name in new[] { "loop1", "loop2" })
        {
            var rule = metrics.Rule(name);
            var consumer = metrics.Consumer("rule:" + name);
            while (rule.Messages + consumer.Dropped < Count && clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(20);
            }

            Assert.True(rule.Messages + consumer.Dropped == Count, $"{name}: handled {rule.Messages} + dropped {consumer.Dropped} of {Count} after {clock.Elapsed}");
            Assert.Equal(rule.Messages, rule.Errors);
        }
    }
}
