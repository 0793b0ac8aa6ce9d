using System.Diagnostics;
using System.Globalization;
using System.Text;
using Syslogintr.Rules;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// The modules shipped in rules/lib under the original syslogintr's names behave like the originals: the original
/// (the verbatim copies in Original/testdata/modules/, GPL-3.0, LICENSE beside them) runs under Debian's lua5.4 and ours as a rule
/// in our host, over the same generated inputs, through the same driver (module-oracle.lua); the lines must match.
/// </summary>
public sealed class OriginalModulesTests : IDisposable
{
    private static readonly string Originals = Path.Combine(AppContext.BaseDirectory, "Original", "testdata", "modules");
    private static readonly string Driver = Path.Combine(AppContext.BaseDirectory, "Rules", "module-oracle.lua");

    private readonly RuleFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("deltatime")]
    [InlineData("template")]
    [InlineData("I_log")]
    [InlineData("I_prlog")]
    [InlineData("hostcounts")]
    [InlineData("postfix-mailsummary")]
    [InlineData("sendmail")]
    public void A_shipped_module_gives_what_the_original_gives(string module)
    {
        folder.Write("module_oracle_inputs.lua", Inputs(new Random(module.Length * 7919)));

        var original = RunOriginal(module);
        var ours = RunOurs(module);

        Assert.True(original.Count >= 20, $"the original gave only {original.Count} lines");
        Assert.Equal(original, ours);
    }

    [Fact]
    public void The_original_sendmail_in_a_sandboxed_rule_fails_with_an_error_naming_trusted()
    {
        var effects = new RecordingEffects();
        using var rule = LuaRule.Load(folder.Rule("mailer", """
            local sendmail = require "sendmail"
            function log(m) sendmail { from = "root@example.net", to = "ops@example.net", subject = "s", body = "b" } end
            """), effects, TimeProvider.System, "node1");

        var error = rule.Deliver(RuleFolder.Message("x"));

        Assert.NotNull(error);
        Assert.Contains("sendmail.lua:42: io.popen is not available to a sandboxed rule (a rule with trusted = true has it)", error.Message);
        Assert.Contains("trusted = true", rule.Deliver(RuleFolder.Message("x"))?.Message); // an error each time, never a crash
    }

    /// <summary>The original's hostcounts calls the script's I_prlog; the shipped rule wants its summary in the pipeline.</summary>
    [Fact]
    public void The_shipped_hostcounts_rule_logs_its_summary_through_hostcounts_ext()
    {
        var effects = new RecordingEffects();
        var definition = RuleFolder.Definition("hostcounts", Path.Combine(RuleFolder.Shipped, "hostcounts.lua"), Path.Combine(RuleFolder.Shipped, "lib"));
        using var rule = LuaRule.Load(definition, effects, TimeProvider.System, "node1");
        foreach (var address in (string[])["192.0.2.11", "192.0.2.10", "192.0.2.11"])
        {
            Assert.Null(rule.Deliver(RuleFolder.Message("x", remote: address, host: address)));
        }

        Assert.Null(rule.CallHook("alarm_handler"));

        var summary = Assert.IsType<Syslogintr.Ingest.SyslogMessage>(Assert.Single(effects.Actions));
        Assert.Equal((" 192.0.2.10:1 192.0.2.11:2", "summary/hosts"), (summary.Message, summary.AppName));
    }

    private List<string> RunOriginal(string module)
    {
        var start = new ProcessStartInfo("lua5.4")
        {
            ArgumentList = { "-e", "script = 'module-oracle.lua'", Driver, module },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["LUA_PATH"] = $"{folder.Path}/?.lua;{Originals}/?.lua" },
        };
        using var lua = Process.Start(start)!;
        var output = lua.StandardOutput.ReadToEndAsync();
        var errors = lua.StandardError.ReadToEndAsync();
        Assert.True(lua.WaitForExit(TimeSpan.FromSeconds(20)), "lua5.4 did not finish");
        Assert.True(lua.ExitCode == 0, $"lua5.4 failed: {errors.Result}");
        return [.. output.Result.Split('\n').SkipLast(1)];
    }

    private List<string> RunOurs(string module)
    {
        var effects = new RecordingEffects();
        var definition = RuleFolder.Definition("oracle", Driver, Path.Combine(RuleFolder.Shipped, "lib"), folder.Path)
            with
        { TimeBudget = TimeSpan.FromSeconds(10) };
        using var rule = LuaRule.Load(definition, effects, TimeProvider.System, "node1");
        Assert.Null(rule.Deliver(RuleFolder.Message(module)));
        return [.. effects.Logged];
    }

    /// <summary>The inputs as a Lua module: varied, with the cases where the modules differed.</summary>
    private static string Inputs(Random random)
    {
        var lua = new StringBuilder("return {\n");

        long[] boundaries = [0, 1, 5, 59, 60, 61, 3599, 3600, 3601, 86399, 86400, 86401, 31556925, 31556926, 31622400, 63113852];
        var durations = boundaries.Select(d => d.ToString(CultureInfo.InvariantCulture))
            .Concat(Enumerable.Range(0, 150).Select(_ => random.NextInt64(0, 400_000_000).ToString(CultureInfo.InvariantCulture)))
            .Concat(Enumerable.Range(0, 30).Select(_ => (random.Next(0, 100_000) + 0.25).ToString(CultureInfo.InvariantCulture)));
        lua.Append("durations = {").AppendJoin(", ", durations).Append("},\n");

        // Names with dots (the original looks them up whole), underscores (not a tag to the original), missing ones,
        // numbers, booleans, functions of `data` (one returning nil: the tag stays), and tags that are not tags.
        lua.Append("""
            callbacks = {
              name = "Sean Conner", ["a.b"] = "dotted", n = 42, f = 3.5, yes = true, no = false,
              my_name = "underscored", a = "plain a",
              who = function(d) return d.who end, count = function(d) return d.count end, none = function() return nil end,
            },

            """);
        string[] tags = ["%{name}%", "%{a.b}%", "%{a.b.c}%", "%{a}%", "%{missing}%", "%{n}%", "%{f}%", "%{yes}%", "%{no}%",
            "%{my_name}%", "%{who}%", "%{count}%", "%{none}%", "%{}%", "%{a-b}%", "%%{n}%%", "{n}", "%{ n }%"];
        string[] words = ["Hello", ",", " ", "you have called", "times.", "%", "100%", "x.y", "\t", "é"];
        lua.Append("templates = {\n");
        for (var i = 0; i < 120; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 8)).Select(_ => random.Next(3) == 0 ? words[random.Next(words.Length)] : tags[random.Next(tags.Length)]));
            lua.Append("  { text = ").Append(Quote(text)).Append(", data = { who = ").Append(Quote("user" + random.Next(100)))
                .Append(", count = ").Append(random.Next(-5, 1000)).Append(" } },\n");
        }

        lua.Append("},\n");

        string[] levels = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"];
        lua.Append("logs = {\n");
        for (var i = 0; i < 40; i++)
        {
            lua.Append("  { ").Append(Quote(levels[random.Next(levels.Length)])).Append(", ").Append(Quote($"message {i}: {random.Next()}"))
                .Append(", ").Append(Quote(random.Next(2) == 0 ? "summary/hosts" : $"prog{i % 5}")).Append(" },\n");
        }

        lua.Append("},\n");

        // Rounds of messages from some hosts: a host idle for a round is listed with 0 by the original, then forgotten.
        lua.Append("rounds = {\n");
        for (var round = 0; round < 25; round++)
        {
            var hosts = Enumerable.Range(0, random.Next(0, 40)).Select(_ => Quote($"192.0.2.{random.Next(1, 12)}"));
            lua.Append("  { ").AppendJoin(", ", hosts).Append(" },\n");
        }

        lua.Append("},\n");

        lua.Append("postfix = {\n");
        for (var i = 0; i < 150; i++)
        {
            var id = random.Next(4) == 0 ? "NOQUEUE" : $"{random.Next(0x1000, 0x1008):X}";
            var text = random.Next(7) switch
            {
                0 => $"{id}: client=mail{random.Next(9)}.example.net[198.51.100.{random.Next(255)}]",
                1 => $"{id}: message-id=<{random.Next()}@example.net>",
                2 => $"{id}: from=<{(random.Next(5) == 0 ? "" : $"user{random.Next(9)}@example.org")}>, size={random.Next(9999)}, nrcpt=1 (queue active)",
                3 or 4 => $"{id}: to=<rcpt{random.Next(9)}@example.com>, relay=local, delay=0.1, status=sent (delivered)",
                5 => $"{id}: removed",
                _ => "connect from unknown[203.0.113.9]",
            };
            var (program, facility, level) = random.Next(10) switch
            {
                0 => ("sshd", "mail", "info"),
                1 => ("postfix/qmgr", "mail2", "info"),
                2 => ("postfix/smtpd", "mail", "warn"),
                _ => ($"postfix/{(random.Next(2) == 0 ? "qmgr" : "smtp")}", "mail", "info"),
            };
            lua.Append("  { version = 0, host = \"mx1\", relay = \"192.0.2.25\", port = 40000, localaddr = \"127.0.0.1\", localport = 514, pid = ")
                .Append(random.Next(1, 99999)).Append(", program = ").Append(Quote(program)).Append(", facility = ").Append(Quote(facility))
                .Append(", level = ").Append(Quote(level)).Append(", msg = ").Append(Quote(text)).Append(" },\n");
        }

        lua.Append("},\n");

        lua.Append("mails = {\n");
        for (var i = 0; i < 8; i++)
        {
            var to = random.Next(3) == 0
                ? "{ " + string.Join(", ", Enumerable.Range(0, random.Next(1, 4)).Select(r => Quote($"ops{r}@example.net"))) + " }"
                : Quote($"admin{i}@example.net");
            lua.Append("  { from = ").Append(Quote($"root@host{i}.example.net")).Append(", to = ").Append(to)
                .Append(", subject = ").Append(Quote($"Apache down on host{i}")).Append(", body = ").Append(Quote($"It stopped at {random.Next()}.\nCheck it.")).Append(" },\n");
        }

        return lua.Append("},\n}\n").ToString();
    }

    /// <summary>A Lua string literal: every byte outside plain ASCII letters and digits as a decimal escape.</summary>
    private static string Quote(string text) =>
        "\"" + string.Concat(Encoding.UTF8.GetBytes(text).Select(b => char.IsAsciiLetterOrDigit((char)b) || b == ' ' ? ((char)b).ToString() : $"\\{b:D3}")) + "\"";
}
