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
    public void Script_option_makes_one_rule_that_sees_everything()
    {
        var script = folder.Write("mine.lua", "function log(m) end");
        var rules = RulesHosting.Validate(NodeConfig.WithScriptRule(NodeConfig.Defaults(), script));
        var rule = Assert.Single(rules);
        Assert.Equal(("script", script, 1), (rule.Name, rule.ScriptPath, rule.Instances));
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
}
