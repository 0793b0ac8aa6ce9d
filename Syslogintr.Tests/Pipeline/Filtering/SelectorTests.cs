using Syslogintr.Ingest;
using Syslogintr.Pipeline.Filtering;

namespace Syslogintr.Tests.Pipeline.Filtering;

public sealed class SelectorTests
{
    private static MessageFilter Selector(string select, IReadOnlyList<string>? programs = null, IReadOnlyList<string>? hosts = null) =>
        MessageFilter.Compile(new FilterSpec { Select = select, Programs = programs ?? [], Hosts = hosts ?? [] });

    private static SyslogMessage Message(Facility facility, Severity severity, string? app = null, string? host = null) => new()
    {
        Facility = facility,
        Severity = severity,
        AppName = app,
        Hostname = host,
        ReceivedAt = DateTimeOffset.UnixEpoch,
        Message = "",
        Origin = Origin.Internal,
    };

    [Theory]
    [InlineData("*.*", Facility.Local7, Severity.Debug, true)]
    [InlineData("*.info", Facility.Mail, Severity.Debug, false)]
    [InlineData("*.info", Facility.Mail, Severity.Error, true)]
    [InlineData("*.info;mail.none;authpriv.none;cron.none", Facility.Mail, Severity.Emergency, false)]
    [InlineData("*.info;mail.none;authpriv.none;cron.none", Facility.Daemon, Severity.Informational, true)]
    [InlineData("*.info;mail.none;authpriv.none;cron.none", Facility.AuthPriv, Severity.Critical, false)]
    [InlineData("mail.=info", Facility.Mail, Severity.Error, false)]
    [InlineData("mail.=info", Facility.Mail, Severity.Informational, true)]
    [InlineData("mail.*;mail.!err", Facility.Mail, Severity.Error, false)]
    [InlineData("mail.*;mail.!err", Facility.Mail, Severity.Warning, true)]
    [InlineData("auth,authpriv.warning", Facility.Auth, Severity.Warning, true)]
    [InlineData("auth,authpriv.warning", Facility.AuthPriv, Severity.Notice, false)]
    [InlineData("kern.crit", Facility.Kern, Severity.Alert, true)]
    public void Selects_like_syslog_conf(string selector, Facility facility, Severity severity, bool expected) =>
        Assert.Equal(expected, Selector(selector).Accepts(Message(facility, severity)));

    [Fact]
    public void Program_and_host_narrow_the_selector()
    {
        var selector = Selector("*.*", ["sshd"], ["gw1"]);
        Assert.True(selector.Accepts(Message(Facility.Auth, Severity.Informational, "sshd", "gw1")));
        Assert.False(selector.Accepts(Message(Facility.Auth, Severity.Informational, "cron", "gw1")));
        Assert.False(selector.Accepts(Message(Facility.Auth, Severity.Informational, "sshd", "gw2")));
    }

    [Theory]
    [InlineData("*.*", true)]
    [InlineData("*.debug", true)]
    [InlineData("*.info", false)]
    [InlineData("*.*;mail.none", false)]
    public void Knows_when_it_accepts_everything(string selector, bool everything) =>
        Assert.Equal(everything, Selector(selector).AcceptsEverything);

    [Theory]
    [InlineData("mail")]
    [InlineData("nosuch.info")]
    [InlineData("mail.loud")]
    public void A_bad_selector_is_refused(string selector) =>
        Assert.Throws<FormatException>(() => Selector(selector));
}
