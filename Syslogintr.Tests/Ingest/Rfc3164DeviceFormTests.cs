using Syslogintr.Ingest;

namespace Syslogintr.Tests.Ingest;

/// <summary>
/// The device forms of issue 13, each as the real rsyslogd reads it (Ingest/Differential: Cisco IOS and AIX with the
/// parser modules rsyslog ships for them) or as the README says we read it otherwise. The clock stands at
/// 2026-11-29 03:40 in a UTC+01:00 zone.
/// </summary>
public sealed class Rfc3164DeviceFormTests
{
    public static TheoryData<string, string, string, string> CiscoIos => new()
    {
        { "<189>120: *Mar  1 00:03:12.345: %LINK-3-UPDOWN: Interface Gi0/1, changed state to up", "192.0.2.10", "%LINK-3-UPDOWN", "Interface Gi0/1, changed state to up" },
        { "<189>121: .Mar  1 00:03:12.345: %LINK-3-UPDOWN: Interface Gi0/2, changed state to down", "192.0.2.10", "%LINK-3-UPDOWN", "Interface Gi0/2, changed state to down" },
        { "<189>000122: Mar  1 00:03:12.345: %SYS-5-CONFIG_I: Configured from console", "192.0.2.10", "%SYS-5-CONFIG_I", "Configured from console" },
        { "<189>123: router1: *Mar  1 00:03:12.345: %LINK-3-UPDOWN: Interface Gi0/3, changed state to up", "router1", "%LINK-3-UPDOWN", "Interface Gi0/3, changed state to up" },
        { "<189>124: 10.1.1.1: Mar  1 2026 00:03:12.345 UTC: %OSPF-5-ADJCHG: Process 1, Nbr 10.0.0.2: Down", "10.1.1.1", "%OSPF-5-ADJCHG", "Process 1, Nbr 10.0.0.2: Down" },
    };

    [Theory]
    [MemberData(nameof(CiscoIos))]
    public void Cisco_ios_sequence_number_origin_clock_flag_and_zone_are_read_as_pmciscoios_reads_them(string raw, string host, string program, string message)
    {
        var m = Parse.Text(raw);

        Assert.Equal(Facility.Local7, m.Facility);
        Assert.Equal(Severity.Notice, m.Severity);
        Assert.Equal(Parse.Local(2026, 3, 1, 0, 3, 12).AddMilliseconds(345), m.Timestamp);
        Assert.Equal(host, m.Hostname);
        Assert.Equal(program, m.AppName);
        Assert.Null(m.ProcId);
        Assert.Equal(message, m.Message);
    }

    [Theory]
    [InlineData("<13>Feb  2 10:00:00 Message forwarded from aix2: syslogd[123]: restart")]
    [InlineData("<13>Feb  2 10:00:00 message forwarded from aix2 syslogd[123]: restart")]
    public void Aix_relay_preamble_is_dropped_as_pmaixforwardedfrom_does(string raw)
    {
        var m = Parse.Text(raw);

        Assert.Equal(Parse.Local(2026, 2, 2, 10, 0, 0), m.Timestamp);
        Assert.Equal("aix2", m.Hostname);
        Assert.Equal("syslogd", m.AppName);
        Assert.Equal("123", m.ProcId);
        Assert.Equal("restart", m.Message);
    }

    [Theory]
    [InlineData("<13>2024-03-03 08:15:02.5+01:00 web1 app[1]: x", 2024, 3, 3, 8, 15, 2, 5_000_000, 1)]
    [InlineData("<13>2024-03-03 08:15:02 web1 app[1]: x", 2024, 3, 3, 8, 15, 2, 0, 1)]
    [InlineData("<13>2024-03-03T08:15:02.123456789012-05:00 web1 app[1]: x", 2024, 3, 3, 8, 15, 2, 1_234_567, -5)]
    public void Iso_timestamp_with_a_space_and_long_fractions_are_read(
        string raw, int year, int month, int day, int hour, int minute, int second, int ticks, int offsetHours)
    {
        var m = Parse.Text(raw);

        Assert.Equal(new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.FromHours(offsetHours)).AddTicks(ticks), m.Timestamp);
        Assert.Equal(TimeSpan.FromHours(offsetHours), m.Timestamp!.Value.Offset);
        Assert.Equal("web1", m.Hostname);
        Assert.Equal("app", m.AppName);
        Assert.Equal("1", m.ProcId);
        Assert.Equal("x", m.Message);
    }
}
