using Syslogintr.Ingest;
using Syslogintr.Sinks.Formatting;

namespace Syslogintr.Tests.Sinks;

public sealed class SyslogFormatterTests
{
    private static readonly SyslogMessage Sample = new()
    {
        Facility = Facility.Auth,
        Severity = Severity.Critical,
        Version = 1,
        Timestamp = new DateTimeOffset(2003, 10, 1, 22, 14, 15, 3, TimeSpan.FromHours(-7)),
        ReceivedAt = DateTimeOffset.UnixEpoch,
        Hostname = "mymachine.example.com",
        AppName = "su",
        ProcId = "42",
        MsgId = "ID47",
        StructuredData = [new("exampleSDID@32473", [new("iut", "3"), new("eventSource", "App\"li]cation")])],
        Message = "'su root' failed\tfor lonvick",
        Origin = Origin.Internal,
    };

    [Fact]
    public void Traditional_is_rsyslogs_file_format_with_a_space_padded_day_and_escaped_controls() =>
        Assert.Equal(
            "Oct  1 22:14:15 mymachine.example.com su[42]: 'su root' failed#011for lonvick",
            SyslogFormatter.Format(Sample, OutputFormat.Traditional, escapeControl: true));

    [Fact]
    public void Rfc3339_has_microseconds_and_the_senders_offset() =>
        Assert.StartsWith(
            "2003-10-01T22:14:15.003000-07:00 mymachine.example.com su[42]: ",
            SyslogFormatter.Format(Sample, OutputFormat.Rfc3339));

    [Fact]
    public void Rfc5424_escapes_structured_data_values() =>
        Assert.Equal(
            "<34>1 2003-10-01T22:14:15.003000-07:00 mymachine.example.com su 42 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"li\\]cation\"] 'su root' failed\tfor lonvick",
            SyslogFormatter.Format(Sample, OutputFormat.Rfc5424));

    [Fact]
    public void A_message_without_a_tag_or_host_falls_back_to_the_sender() =>
        Assert.Equal(
            "Jan  1 00:00:00 192.0.2.1 just text",
            SyslogFormatter.Format(
                Sample with { AppName = null, Hostname = null, Timestamp = null, Message = "just text", Origin = new Origin(Transport.Udp, "192.0.2.1", 514, "0.0.0.0", 514, "udp") },
                OutputFormat.Traditional));
}
