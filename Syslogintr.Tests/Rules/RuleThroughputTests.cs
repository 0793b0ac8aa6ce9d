using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit.Xunit2;
using Syslogintr.Actions;
using Syslogintr.Hosting;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Rules;
using Syslogintr.Tests.Support;
using Xunit.Abstractions;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// Messages per second through rules, for the note: straight into one Lua state, and through the ingest
/// queue, the router and worker actors — one trivial rule, sshblock on sshd lines from many addresses, and four
/// rules that each see every message. Bounded in count; the figures are only printed (a shared machine makes any
/// time limit flaky); what is asserted is that every message was handled, none dropped, no Lua error.
/// The workers' credit is raised so that no batch is dropped however small the router cuts them while the
/// messages are being offered: the figure is what the rules handle, not what flow control sheds.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class RuleThroughputTests(ITestOutputHelper output) : TestKit
{
    private const int Count = 200_000;
    private const int BatchSize = 1024;

    private const string Counter = "n = 0 function log(m) n = n + 1 end";

    private readonly RuleFolder folder = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        folder.Dispose();
    }

    [Fact]
    public void One_lua_state_calls_log()
    {
        using var rule = LuaRule.Load(folder.Rule("count", Counter), new RecordingEffects(), TimeProvider.System, "node1");
        var messages = Enumerable.Range(0, 1000).Select(i => RuleFolder.Message($"message {i}", remote: $"192.0.2.{i % 200}")).ToArray();
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Null(rule.Deliver(messages[i % messages.Length]));
        }

        var errors = 0;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Count; i++)
        {
            errors += rule.Deliver(messages[i % messages.Length]) is null ? 0 : 1;
        }

        output.WriteLine($"LuaRule.Deliver, trivial rule: {Count / watch.Elapsed.TotalSeconds:N0} msg/s");
        Assert.Equal(0, errors);
    }

    [Fact]
    public void One_trivial_rule_behind_the_router()
    {
        var messages = Enumerable.Range(0, 1000).Select(i => RuleFolder.Message($"message {i}", remote: $"192.0.2.{i % 200}")).ToArray();
        var rate = Measure([folder.Rule("count", Counter)], messages);
        output.WriteLine($"queue -> router -> 1 worker (trivial rule): {rate:N0} msg/s");
    }

    [Fact]
    public void Sshblock_behind_the_router_on_sshd_lines_from_many_addresses()
    {
        var bans = CreateTestProbe();
        var rule = RuleFolder.Definition("sshblock", Path.Combine(RuleFolder.Shipped, "sshblock.lua"), Path.Combine(RuleFolder.Shipped, "lib"));
        var rate = Measure([rule], SshdLines(4000), registry => registry.Register<BanKey>(bans));
        var banned = bans.ReceiveWhile(TimeSpan.FromMilliseconds(500), m => (BanRequested)m, int.MaxValue).Count;
        output.WriteLine($"queue -> router -> sshblock (half failures, 2000 addresses): {rate:N0} msg/s, {banned} bans");
        Assert.True(banned > 0, "sshblock banned no one");
    }

    [Fact]
    public void Four_rules_each_seeing_every_message()
    {
        var messages = Enumerable.Range(0, 1000).Select(i => RuleFolder.Message($"message {i}", remote: $"192.0.2.{i % 200}")).ToArray();
        var rules = Enumerable.Range(1, 4).Select(i => folder.Rule($"count{i}", Counter)).ToArray();
        var rate = Measure(rules, messages);
        output.WriteLine($"queue -> router -> 4 workers (trivial rules, each sees every message): {rate:N0} msg/s offered, {rate * 4:N0} deliveries/s");
    }

    /// <summary>
    /// Feeds <see cref="Count"/> messages (cycling through <paramref name="messages"/>) through a real queue and
    /// router to one worker per rule; returns messages per second offered until every worker handled all of them.
    /// </summary>
    private double Measure(RuleDefinition[] rules, SyslogMessage[] messages, Action<ActorRegistry>? register = null)
    {
        var node = new NodeServices(new IngestQueue(Count), new NodeMetrics(), TimeProvider.System, "node1");
        var registry = new ActorRegistry();
        register?.Invoke(registry);
        var router = Sys.ActorOf(RouterActor.Props(node.Queue, node.Metrics, BatchSize, DefaultPipeline.Settings.MaxBackpressure));
        foreach (var rule in rules)
        {
            Sys.ActorOf(RuleWorkerActor.Props(rule, 0, node, router, ActionTargets.From(registry), 1000, maxMessagesInFlight: Count));
        }

        AwaitAssert(() => Assert.Equal(rules.Length, node.Metrics.Consumers.Count()), TimeSpan.FromSeconds(10));
        var counters = rules.Select(r => node.Metrics.Rule(r.Name)).ToArray();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Count; i++)
        {
            Assert.True(node.Queue.TryEnqueue(messages[i % messages.Length]));
        }

        AwaitAssert(() => Assert.All(counters, c => Assert.Equal(Count, c.Messages)), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(2));

        var rate = Count / watch.Elapsed.TotalSeconds;
        Assert.All(node.Metrics.Consumers, c => Assert.Equal((Count, 0L), (c.Delivered, c.Dropped)));
        Assert.All(counters, c => Assert.Equal(0, c.Errors));
        return rate;
    }

    /// <summary>
    /// sshd's lines as fail2ban's sshd filter sees them, from <paramref name="count"/>/2 addresses: every other line a
    /// failure-looking line (password, invalid user; the preauth disconnect of an authenticating user is no failure in
    /// fail2ban's normal mode, so a quarter of the addresses is never banned), the rest ordinary traffic.
    /// </summary>
    private static SyslogMessage[] SshdLines(int count) => Enumerable.Range(0, count).Select(i =>
    {
        var ip = $"198.{18 + (i / 2 / 250 % 2)}.{i / 2 % 250}.{1 + (i / 2 / 500 % 250)}";
        var port = 40000 + i;
        var text = (i % 8) switch
        {
            0 => $"Failed password for root from {ip} port {port} ssh2",
            1 => $"Accepted publickey for deploy from {ip} port {port} ssh2: RSA SHA256:abcdef",
            2 => $"Invalid user admin from {ip} port {port}",
            3 => "pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)",
            4 => $"Failed password for invalid user oracle from {ip} port {port} ssh2",
            5 => $"Received disconnect from {ip} port {port}:11: disconnected by user",
            6 => $"Disconnected from authenticating user root {ip} port {port} [preauth]",
            _ => "pam_unix(sshd:session): session closed for user deploy",
        };
        return RuleFolder.Message(text, remote: "192.0.2.1", host: "web1") with { ProcId = (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture) };
    }).ToArray();
}
