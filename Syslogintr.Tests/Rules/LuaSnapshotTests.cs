using Syslogintr.Rules;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Rules;

/// <summary>A rule's snapshot()/restore(t) through <see cref="LuaSnapshotCodec"/>: plain data round-trips exactly, anything else is a clear error.</summary>
public sealed class LuaSnapshotTests : IDisposable
{
    private readonly RuleFolder folder = new();

    [Fact]
    public void Strings_numbers_booleans_and_nested_tables_round_trip_exactly()
    {
        using var old = Load("""
            function log(msg) end
            function snapshot()
              return { n = 42, f = 2.5, big = math.maxinteger, s = "a\0b\255", yes = true, no = false,
                       list = { "x", "y", { deep = { deeper = 1 } } }, [7] = "seven", [1.5] = "float key", [true] = 1 }
            end
            """);
        var (state, error) = old.Snapshot();
        Assert.Null(error);

        using var successor = Load("""
            function log(msg) end
            function restore(t) got = t end
            function check()
              local g = got
              local ok = math.type(g.n) == "integer" and g.n == 42 and math.type(g.f) == "float" and g.f == 2.5
                and g.big == math.maxinteger and g.s == "a\0b\255" and g.yes == true and g.no == false
                and g.list[1] == "x" and g.list[2] == "y" and g.list[3].deep.deeper == 1
                and g[7] == "seven" and g[1.5] == "float key" and g[true] == 1
              return ok, "restored"
            end
            """);
        Assert.Null(successor.Restore(state!));
        Assert.Equal((true, "restored"), successor.RunCheck("check"));
    }

    [Theory]
    [InlineData("return { handler = print }", "snapshot()[\"handler\"] is a function")]
    [InlineData("return { out = io.stdout }", "snapshot()[\"out\"] is a userdata")]
    [InlineData("local t = { inner = {} }; t.inner.back = t; return t", "cycle")]
    [InlineData("return { [{}] = 1 }", "a table as a key")]
    [InlineData("return 5", "must return a table, not a number")]
    [InlineData("return { s = string.rep('x', 2 * 1024 * 1024) }", "larger than 1048576 bytes")]
    [InlineData("error('not today')", "not today")]
    public void What_is_not_plain_data_is_a_rule_error_naming_where(string body, string expected)
    {
        using var rule = Load($"function log(msg) end\nfunction snapshot() {body} end");

        var (state, error) = rule.Snapshot();

        Assert.Null(state);
        Assert.Equal("snapshot", error!.Hook);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Without_the_hooks_there_is_nothing_to_hand_over_and_a_snapshot_given_anyway_is_an_error()
    {
        using var rule = Load("function log(msg) end");

        var (state, error) = rule.Snapshot();
        Assert.Null(state);
        Assert.Null(error);
        Assert.Contains("defines no restore", rule.Restore(new byte[] { 0, 6 })!.Message);
    }

    [Fact]
    public void Bytes_cut_short_or_corrupt_are_refused_and_the_state_stays_usable()
    {
        using var rule = Load("function log(msg) end\nfunction restore(t) got = t end\nfunction check() return got == nil, 'untouched' end");

        Assert.Contains("cut short", rule.Restore([0, 5, 9, 0, 0, 0, 1])!.Message);
        Assert.Contains("unknown tag", rule.Restore([0, 99])!.Message);
        Assert.Equal((true, "untouched"), rule.RunCheck("check"));
    }

    public void Dispose() => folder.Dispose();

    private LuaRule Load(string lua) => LuaRule.Load(folder.Rule("snap", lua), new RecordingEffects(), TimeProvider.System, "node1");
}
