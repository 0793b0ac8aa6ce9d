using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Ingest;
using Syslogintr.Node;
using Syslogintr.Rules;

namespace Syslogintr.Tests.Rules;

public sealed class RuleConfigTests : IDisposable
{
    private readonly RuleFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Script_mode_makes_one_trusted_rule_that_sees_everything()
    {
        var script = folder.Write("mine.lua", "function log(m) end");
        var mode = new ScriptMode { Script = script, Foreground = true };
        var rules = RulesHosting.Validate(mode.Over(NodeConfig.Defaults(), ConfigurationFactory.Empty));
        var rule = Assert.Single(rules);
        Assert.Equal(("script", script, 1, true), (rule.Name, rule.ScriptPath, rule.Instances, rule.Trusted));
        Assert.Equal(Syslogintr.Pipeline.Filtering.FilterSpec.All, rule.Match);
    }

    [Fact]
    public void The_defaults_have_no_rules()
    {
        Assert.Empty(RulesHosting.Validate(NodeConfig.Defaults()));
    }

    [Fact]
    public void A_rule_entry_with_match_options_and_defaults()
    {
        folder.Write("ssh.lua", "function log(m) end");
        var config = ConfigurationFactory.ParseString("""
            syslogintr.rules.ssh {
              script = "ssh.lua"
              match { facility = [auth, authpriv], severity = "notice+", program = ["sshd", "ssh*"] }
              instances = 3
              partition-by = host
              options { threshold = 5 }
            }
            """).WithFallback(NodeConfig.Defaults());
        var rule = Assert.Single(RulesHosting.Validate(config, folder.Path));
        Assert.Equal((3, "host", 50_000_000L, 64L << 20), (rule.Instances, rule.PartitionBy, rule.InstructionBudget, rule.MemoryLimitBytes));
        Assert.Equal(5L, rule.Options["threshold"]);
        var match = Syslogintr.Pipeline.Filtering.MessageFilter.Compile(rule.Match);
        Assert.True(match.Accepts(RuleFolder.Message("x", facility: Facility.Auth, severity: Severity.Warning, program: "sshd")));
        Assert.True(match.Accepts(RuleFolder.Message("x", facility: Facility.AuthPriv, severity: Severity.Notice, program: "ssh-agent")));
        Assert.False(match.Accepts(RuleFolder.Message("x", facility: Facility.AuthPriv, severity: Severity.Informational, program: "sshd")));
        Assert.False(match.Accepts(RuleFolder.Message("x", facility: Facility.Mail, severity: Severity.Error, program: "sshd")));
        Assert.False(match.Accepts(RuleFolder.Message("x", facility: Facility.Auth, severity: Severity.Error, program: "cron")));
    }

    [Fact]
    public void A_missing_script_or_bad_name_stops_the_node_with_a_reason()
    {
        var missing = ConfigurationFactory.ParseString("syslogintr.rules.x.script = \"nope.lua\"");
        Assert.Contains("does not exist", Assert.Throws<StartupException>(() => RulesHosting.Validate(missing, folder.Path)).Message);
        folder.Write("y.lua", "function log(m) end");
        var badName = ConfigurationFactory.ParseString("syslogintr.rules.y { script = \"y.lua\", match.facility = bogus }");
        Assert.Contains("bogus", Assert.Throws<StartupException>(() => RulesHosting.Validate(badName, folder.Path)).Message);
    }

    [Fact]
    public void Distribution_is_local_by_default_and_partitions_come_from_the_rule_else_the_cluster()
    {
        folder.Write("r.lua", "function log(m) end");
        var config = ConfigurationFactory.ParseString("""
            syslogintr.cluster.partitions = 16
            syslogintr.rules {
              plain { script = "r.lua" }
              spread { script = "r.lua", distribution = partitioned }
              own { script = "r.lua", distribution = partitioned, partitions = 8 }
              one { script = "r.lua", distribution = singleton }
            }
            """).WithFallback(NodeConfig.Defaults());

        var rules = RulesHosting.Validate(config, folder.Path).ToDictionary(r => r.Name);

        Assert.Equal(RuleDistribution.Local, rules["plain"].Distribution);
        Assert.Equal((RuleDistribution.Partitioned, 16), (rules["spread"].Distribution, rules["spread"].Buckets));
        Assert.Equal((RuleDistribution.Partitioned, 8), (rules["own"].Distribution, rules["own"].Buckets));
        Assert.Equal((RuleDistribution.Singleton, 1), (rules["one"].Distribution, rules["one"].Buckets));
        Assert.Equal(64, Assert.Single(RulesHosting.Validate(ConfigurationFactory.ParseString("syslogintr.rules.d { script = \"r.lua\", distribution = partitioned }"), folder.Path)).Partitions);
    }

    [Fact]
    public void Reload_is_same_state_unless_a_rule_asks_for_fresh()
    {
        folder.Write("r.lua", "function log(m) end");
        var config = ConfigurationFactory.ParseString("""
            syslogintr.rules {
              plain { script = "r.lua" }
              fresh { script = "r.lua", reload = fresh }
            }
            """);

        var rules = RulesHosting.Validate(config, folder.Path).ToDictionary(r => r.Name);

        Assert.Equal((RuleReload.SameState, RuleReload.Fresh), (rules["plain"].Reload, rules["fresh"].Reload));
    }

    [Theory]
    [InlineData("distribution = everywhere", "'syslogintr.rules.r.distribution' must be local, partitioned or singleton, not 'everywhere'")]
    [InlineData("distribution = partitioned, partitions = 0", "'syslogintr.rules.r.partitions' must be between 1 and 100000, not 0")]
    [InlineData("distribution = singleton, instances = 2", "instances applies to local rules")]
    [InlineData("reload = restart", "'syslogintr.rules.r.reload' must be same-state or fresh, not 'restart'")]
    public void A_bad_distribution_stops_the_node_naming_the_key(string keys, string expected)
    {
        folder.Write("r.lua", "function log(m) end");
        var config = ConfigurationFactory.ParseString($"syslogintr.rules.r {{ script = \"r.lua\", {keys} }}");

        Assert.Contains(expected, Assert.ThrowsAny<StartupException>(() => RulesHosting.Validate(config, folder.Path)).Message);
    }
}
