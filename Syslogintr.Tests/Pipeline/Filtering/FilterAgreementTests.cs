using Akka.Configuration;
using Syslogintr.Ingest;
using Syslogintr.Pipeline.Filtering;
using Syslogintr.Rules;
using Syslogintr.Sinks;

namespace Syslogintr.Tests.Pipeline.Filtering;

/// <summary>
/// A file sink's <c>select</c>/<c>program</c>/<c>host</c> and a rule's <c>match</c> saying the same thing select the
/// same messages, and both follow the README's one description: program and header HOSTNAME ignoring case, a trailing
/// <c>*</c> a prefix, and a message without the field matching no list.
/// </summary>
public sealed class FilterAgreementTests
{
    private static readonly string[] Programs = ["sshd", "SSHD", "sshd-session", "cron", "CRON.daily", "postfix/smtpd", ""];
    private static readonly string?[] Hosts = ["gw1", "GW1", "gw10", "Web1.Example.Org", "192.0.2.10", null];

    private static IEnumerable<SyslogMessage> Messages() =>
        from facility in Enum.GetValues<Facility>()
        from severity in Enum.GetValues<Severity>()
        from program in Programs
        from host in Hosts
        select new SyslogMessage
        {
            Facility = facility,
            Severity = severity,
            AppName = program == "" ? null : program,
            Hostname = host,
            ReceivedAt = DateTimeOffset.UnixEpoch,
            Message = "x",
            Origin = new Origin(Transport.Udp, "192.0.2.10", 40000, "127.0.0.1", 514, "udp"),
        };

    private static MessageFilter Sink(string entry)
    {
        var config = ConfigurationFactory.ParseString($"syslogintr.files.f {{ path = \"/tmp/unused\"\n{entry} }}");
        return MessageFilter.Compile(Assert.Single(FileSinkSettings.FilesFrom(config)).Filter);
    }

    private static MessageFilter Rule(string match) =>
        MessageFilter.Compile(RuleMatch.From("r", ConfigurationFactory.ParseString(match)));

    public static TheoryData<string, string, string> SameFilters => new()
    {
        {
            "select = \"auth,authpriv.notice\", program = [sshd, \"Cron*\"], host = [GW1]",
            "facility = [auth, auth2], severity = \"notice+\", program = [SSHD, \"cron*\"], host = [gw1]",
            "auth/authpriv notice+, sshd or cron*, gw1"
        },
        {
            "select = \"mail.=err;mail.=info\", host = [\"web1.example.org\", \"192.0.2.10\"]",
            "facility = mail, severity = [err, info], host = [\"WEB1.example.ORG\", \"192.0.2.10\"]",
            "mail err or info, web1 or the header 192.0.2.10"
        },
        {
            "select = \"*.warning\", program = [\"postfix/*\", \"sshd-session\"]",
            "severity = \"warn+\", program = [\"Postfix/*\", \"SSHD-Session\"]",
            "warning+, postfix/* or sshd-session"
        },
        { "select = \"*.*\"", "severity = \"debug+\"", "everything" },
    };

    [Theory]
    [MemberData(nameof(SameFilters))]
    public void A_sink_and_a_rule_given_the_same_filter_accept_the_same_messages(string sinkEntry, string ruleMatch, string what)
    {
        var sink = Sink(sinkEntry);
        var rule = Rule(ruleMatch);
        var messages = Messages().ToList();
        var disagreements = messages.Where(m => sink.Accepts(m) != rule.Accepts(m)).ToList();
        Assert.True(disagreements.Count == 0, $"{what}: {disagreements.Count} of {messages.Count} disagree, e.g. {disagreements.FirstOrDefault()}");
        Assert.Contains(messages, sink.Accepts);
        Assert.Contains(messages, m => !sink.Accepts(m) || what == "everything");
    }

    [Fact]
    public void Both_follow_the_documented_semantics()
    {
        var sink = Sink("select = \"auth,authpriv.notice\", program = [sshd, \"Cron*\"], host = [GW1]");
        var rule = Rule("facility = [auth, authpriv], severity = \"notice+\", program = [SSHD, \"cron*\"], host = [gw1]");
        foreach (var m in Messages())
        {
            var expected = m.Facility is Facility.Auth or Facility.AuthPriv
                && m.Severity <= Severity.Notice
                && (string.Equals(m.AppName, "sshd", StringComparison.OrdinalIgnoreCase) || m.AppName?.StartsWith("cron", StringComparison.OrdinalIgnoreCase) == true)
                && string.Equals(m.Hostname, "gw1", StringComparison.OrdinalIgnoreCase);
            Assert.Equal((expected, expected), (sink.Accepts(m), rule.Accepts(m)));
        }
    }

    [Fact]
    public void Host_is_the_header_hostname_never_the_sender_address()
    {
        var rule = Rule("host = [\"192.0.2.10\"]");
        var withoutHostname = Messages().First(m => m.Hostname is null);
        Assert.False(rule.Accepts(withoutHostname));
        Assert.True(rule.Accepts(withoutHostname with { Hostname = "192.0.2.10" }));
    }

    [Fact]
    public void The_same_spec_is_equal_data_however_it_was_built()
    {
        var fromRule = RuleMatch.From("r", ConfigurationFactory.ParseString("facility = mail, program = [a, b]"));
        Assert.Equal(new FilterSpec { Select = "mail.*", Programs = ["a", "b"] }, fromRule);
        Assert.NotEqual(new FilterSpec { Select = "mail.*", Programs = ["a"] }, fromRule);
    }
}
