using Akka.Configuration;
using Syslogintr.Rules;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// require() searches in the original's order: lua-path (-p), LUA_PATH, the script's folder, Lua's defaults, and our
/// shipped rules/lib last, so a user's own module of a shipped name is the one loaded.
/// </summary>
public sealed class ModuleSearchTests : IDisposable
{
    private readonly RuleFolder folder = new();
    private readonly RecordingEffects effects = new();

    public void Dispose() => folder.Dispose();

    /// <summary>A rule as the node reads it from HOCON (rules-path the shipped rules/), not with test-made library paths.</summary>
    private RuleDefinition Configured(string script, string extra = "") =>
        RuleDefinition.From("t", ConfigurationFactory.ParseString($"""
            script = "{script}"
            rules-path = "{RuleFolder.Shipped}"
            {extra}
            """), Config.Empty, folder.Path);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_users_module_named_like_a_shipped_one_shadows_it(bool trusted)
    {
        folder.Write("deltatime.lua", "return function(n) return 'mine ' .. n end");
        var script = folder.Write("t.lua", """
            local deltatime, template = require "deltatime", require "template"
            function log(m) syslog("info", deltatime(5) .. " " .. type(template)) end
            """);
        using var rule = LuaRule.Load(Configured(script) with { Trusted = trusted }, effects, TimeProvider.System, "node1");
        Assert.Null(rule.Deliver(RuleFolder.Message("x")));
        // Ours still there for what the user does not have.
        Assert.Equal(["mine 5 function"], effects.Logged);
    }

    [Fact]
    public void A_trusted_rule_searches_lua_path_then_LUA_PATH_then_its_folder_then_Luas_defaults_then_rules_lib()
    {
        var first = Directory.CreateDirectory(Path.Combine(folder.Path, "first")).FullName;
        var environment = Directory.CreateDirectory(Path.Combine(folder.Path, "env")).FullName;
        // probe_a is in all three folders, probe_b in the last two, probe_c in the script's only.
        Module(first, "probe_a", "first");
        Module(environment, "probe_a", "env");
        Module(environment, "probe_b", "env");
        foreach (var probe in new[] { "probe_a", "probe_b", "probe_c" })
        {
            Module(folder.Path, probe, "folder");
        }

        var script = folder.Write("t.lua", """
            function log(m)
              syslog("info", require "probe_a" .. " " .. require "probe_b" .. " " .. require "probe_c")
              syslog("info", package.path)
              syslog("info", package.cpath)
            end
            """);

        // LUA_PATH_5_4 wins over LUA_PATH, as in lua; its ";;" (lua's "the defaults here") leaves no empty entry.
        using (new EnvironmentVariable("LUA_PATH_5_4", environment + "/?.lua;;"))
        using (new EnvironmentVariable("LUA_PATH", "/nonexistent/?.lua"))
        using (new EnvironmentVariable("LUA_CPATH", environment + "/?.so"))
        {
            using var rule = LuaRule.Load(
                Configured(script, $"""
                    trusted = true
                    lua-path = "{first}/?.lua"
                    lua-cpath = "{first}/?.so"
                    """),
                effects,
                TimeProvider.System,
                "node1");
            Assert.Null(rule.Deliver(RuleFolder.Message("x")));
        }

        var lib = Path.Combine(RuleFolder.Shipped, "lib");
        var logged = effects.Logged.ToList();
        Assert.Equal("first env folder", logged[0]);

        var path = logged[1].Split(';');
        Assert.Equal([$"{first}/?.lua", $"{environment}/?.lua", $"{folder.Path}/?.lua", $"{folder.Path}/?/init.lua"], path[..4]);
        Assert.Equal([$"{lib}/?.lua", $"{lib}/?/init.lua"], path[^2..]);
        Assert.Contains("/usr/share/lua/5.4/?.lua", path[4..^2]); // Debian's defaults, between the two
        Assert.DoesNotContain("", path);
        Assert.DoesNotContain("/nonexistent/?.lua", path);

        var cpath = logged[2].Split(';');
        Assert.Equal([$"{first}/?.so", $"{environment}/?.so", $"{folder.Path}/?.so"], cpath[..3]);
        Assert.Contains("/usr/lib/x86_64-linux-gnu/lua/5.4/?.so", cpath[3..]);
    }

    [Fact]
    public void A_sandboxed_rule_searches_its_folder_then_the_rules_path_then_rules_lib_and_no_C_modules()
    {
        var script = folder.Write("t.lua", """function log(m) syslog("info", package.path .. "|" .. package.cpath) end""");
        using var rule = LuaRule.Load(Configured(script), effects, TimeProvider.System, "node1");
        Assert.Null(rule.Deliver(RuleFolder.Message("x")));
        Assert.Equal([$"{folder.Path}/?.lua;{RuleFolder.Shipped}/?.lua;{RuleFolder.Shipped}/lib/?.lua|"], effects.Logged);
    }

    private static void Module(string dir, string name, string value) => File.WriteAllText(Path.Combine(dir, name + ".lua"), $"return '{value}'");

    /// <summary>Sets a variable of this process for a test's span (read by LuaRule through Environment, as a node reads its own).</summary>
    private sealed class EnvironmentVariable : IDisposable
    {
        private readonly string name;
        private readonly string? before;

        public EnvironmentVariable(string name, string value)
        {
            this.name = name;
            before = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }

        public void Dispose() => Environment.SetEnvironmentVariable(name, before);
    }
}
