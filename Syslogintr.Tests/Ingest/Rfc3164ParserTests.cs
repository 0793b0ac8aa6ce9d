using Syslogintr.Ingest;

namespace Syslogintr.Tests.Ingest;

/// <summary>RFC 3164 as real senders write it. The clock stands at 2026-11-29 03:40 in a UTC+01:00 zone.</summary>
public sealed class Rfc3164ParserTests
{
    [Fact]
    public void Rfc3164_example_1()
    {
        var m = Parse.Text("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");

        Assert.Equal(SyslogFormat.Rfc3164, m.Format);
        Assert.Null(m.ParseError);
        Assert.Equal(Facility.Auth, m.Facility);
        Assert.Equal(Severity.Critical, m.Severity);
        Assert.True(m.HasPri);
        Assert.Equal(0, m.Version);
        Assert.Equal(Parse.Local(2026, 10, 11, 22, 14, 15), m.Timestamp);
        Assert.Equal(TimeSpan.FromHours(1), m.Timestamp!.Value.Offset);
        Assert.Equal("mymachine", m.Hostname);
        Assert.Equal("su", m.AppName);
        Assert.Null(m.ProcId);
        Assert.Null(m.MsgId);
        Assert.Empty(m.StructuredData);
        Assert.Equal("'su root' failed for lonvick on /dev/pts/8", m.Message);
    }

    [Fact]
    public void Rfc3164_example_2_no_pri_is_user_notice_and_all_content()
    {
        var m = Parse.Text("Use the BFG!");

        Assert.Equal(SyslogFormat.Rfc3164, m.Format);
        Assert.Null(m.ParseError);
        Assert.False(m.HasPri);
        Assert.Equal(Facility.User, m.Facility);
        Assert.Equal(Severity.Notice, m.Severity);
        Assert.Null(m.Timestamp);
        Assert.Null(m.AppName);
        Assert.Equal("192.0.2.10", m.Hostname);
        Assert.Equal("Use the BFG!", m.Message);
    }

    [Fact]
    public void Rfc3164_example_2_as_relayed_a_bare_word_is_the_tag()
    {
        var m = Parse.Text("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!");

        Assert.Equal(Facility.User, m.Facility);
        Assert.Equal(Severity.Notice, m.Severity);
        Assert.Equal(Parse.Local(2026, 2, 5, 17, 32, 18), m.Timestamp);
        Assert.Equal("10.0.0.99", m.Hostname);

        // rsyslog 8.2302 (and syslog-ng) read the word after the host name as the tag even without a colon (issue 13).
        Assert.Equal("Use", m.AppName);
        Assert.Equal("the BFG!", m.Message);
    }

    [Fact]
    public void Rfc3164_example_3_zone_after_the_time_is_the_host_and_the_year_the_tag()
    {
        const string Text = "%% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%";
        var m = Parse.Text("<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: " + Text);

        Assert.Equal(Facility.Local4, m.Facility);
        Assert.Equal(Severity.Notice, m.Severity);
        Assert.Equal(Parse.Local(2026, 8, 24, 5, 34, 0), m.Timestamp);
        Assert.Equal("CST", m.Hostname);

        // As rsyslog 8.2302 reads it: any word after the host name is the tag.
        Assert.Equal("1987", m.AppName);
        Assert.Equal("mymachine myproc[10]: " + Text, m.Message);
    }

    [Fact]
    public void Rfc3164_example_4_no_valid_timestamp_means_all_content()
    {
        const string Body = "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!";
        var m = Parse.Text("<0>" + Body);

        Assert.Equal(SyslogFormat.Rfc3164, m.Format);
        Assert.Equal(Facility.Kern, m.Facility);
        Assert.Equal(Severity.Emergency, m.Severity);
        Assert.Null(m.Timestamp);
        Assert.Null(m.AppName);
        Assert.Equal("192.0.2.10", m.Hostname);
        Assert.Equal(Body, m.Message);
    }

    public static TheoryData<string, Facility, Severity, string?, string?, string?, string> RealWorld => new()
    {
        { "<38>Nov 29 03:12:01 web1 sshd[4242]: Failed password for invalid user admin from 203.0.113.7 port 52211 ssh2", Facility.Auth, Severity.Informational, "web1", "sshd", "4242", "Failed password for invalid user admin from 203.0.113.7 port 52211 ssh2" },
        { "<86>Nov 29 03:12:01 web1 sshd[4243]: pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)", Facility.AuthPriv, Severity.Informational, "web1", "sshd", "4243", "pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)" },
        { "<22>Nov 28 23:59:59 mx postfix/smtpd[1234]: connect from unknown[198.51.100.3]", Facility.Mail, Severity.Informational, "mx", "postfix/smtpd", "1234", "connect from unknown[198.51.100.3]" },
        { "<4>Nov 29 03:12:01 host kernel: [12345.678901] eth0: link down", Facility.Kern, Severity.Warning, "host", "kernel", null, "[12345.678901] eth0: link down" },
        { "<167>Nov 29 03:12:01 172.20.245.8 %PIX-7-710005: UDP request discarded from 10.0.0.1/137", Facility.Local4, Severity.Debug, "172.20.245.8", "%PIX-7-710005", null, "UDP request discarded from 10.0.0.1/137" },
        { "<5>Nov 29 03:12:01 MacBook-Pro com.apple.xpc.launchd[1] (com.apple.mdworker.shared[512]): Service exited due to SIGKILL", Facility.Kern, Severity.Notice, "MacBook-Pro", "com.apple.xpc.launchd", "1", "(com.apple.mdworker.shared[512]): Service exited due to SIGKILL" },
        { "<13>Nov 29 03:12:01 host myprog[77] started", Facility.User, Severity.Notice, "host", "myprog", "77", "started" },
        { "<13>Nov 29 03:12:01 2001:db8::17 ntpd[99]: time reset +0.5 s", Facility.User, Severity.Notice, "2001:db8::17", "ntpd", "99", "time reset +0.5 s" },
        { "<13>Nov 29 03:12:01 ::1 app: loopback", Facility.User, Severity.Notice, "::1", "app", null, "loopback" },
        { "<13>Nov 29 03:12:01 sshd[123]: no host name here", Facility.User, Severity.Notice, "192.0.2.10", "sshd", "123", "no host name here" },
        { "<13>Nov 29 03:12:01 su: no host name either", Facility.User, Severity.Notice, "192.0.2.10", "su", null, "no host name either" },
        { "<30>dnsmasq[311]: query[A] example.org from 10.0.0.5", Facility.Daemon, Severity.Informational, "192.0.2.10", "dnsmasq", "311", "query[A] example.org from 10.0.0.5" },
        { "<13>Connection closed by 1.2.3.4: port 22", Facility.User, Severity.Notice, "192.0.2.10", null, null, "Connection closed by 1.2.3.4: port 22" },
        { "<38>Nov 29 03:12:01 source_server sshd(pam_unix)[12750]: session opened for user root by (uid=0)", Facility.Auth, Severity.Informational, "source_server", "sshd(pam_unix)", "12750", "session opened for user root by (uid=0)" },
        { "<11>Oct 05 12:23:34 hostname tag: hello world", Facility.User, Severity.Error, "hostname", "tag", null, "hello world" },
        { "<11>Oct 5 12:23:34 hostname tag: hello world", Facility.User, Severity.Error, "hostname", "tag", null, "hello world" },
        { "<13>Nov 29 03:12:01 host app:", Facility.User, Severity.Notice, "host", "app", null, "" },
        { "<13>Nov 29 03:12:01 host", Facility.User, Severity.Notice, "host", null, null, "" },
        { "<38>Mar  3 00:17:22 [sshd]: User root from 211.188.220.49 not allowed", Facility.Auth, Severity.Informational, "192.0.2.10", "sshd", null, "User root from 211.188.220.49 not allowed" },
        { "<38>Jun 25 23:53:34 [sshd] User root from 1.2.3.4 not allowed", Facility.Auth, Severity.Informational, "192.0.2.10", "sshd", null, "User root from 1.2.3.4 not allowed" },
        { "<38>Jun 25 23:53:34 host [sshd]: User root", Facility.Auth, Severity.Informational, "host", "sshd", null, "User root" },
        // rsyslog 8.2302 reads "[word]" as a tag with no program and PROCID "word" (Ingest/Differential), and so do we.
        { "<13>Jun 25 23:53:34 host [warn] disk full", Facility.User, Severity.Notice, "host", null, "warn", "disk full" },
        { "<4>Jun 25 23:53:34 [12345.678901] eth0: link down", Facility.Kern, Severity.Warning, "192.0.2.10", null, "12345.678901", "eth0: link down" },
        { "<38>Feb 7 16:01:07 linux-m899 sshd[5106]: User root", Facility.Auth, Severity.Informational, "linux-m899", "sshd", "5106", "User root" },
        { "<13>Nov 29 03:12:01 host app: \ttab and \u0001 control kept", Facility.User, Severity.Notice, "host", "app", null, "\ttab and \u0001 control kept" },

        // Issue 13, each as rsyslog 8.2302 reads it: a tag without a colon, a lone word, a space after the PRI, a year
        // (with a colon after the time), no PRI, a PROCID that is not a number.
        { "<13>Feb  2 10:00:00 web1 backup Job started", Facility.User, Severity.Notice, "web1", "backup", null, "Job started" },
        { "<30>Feb  2 10:00:00 10.0.0.7 ntpd", Facility.Daemon, Severity.Informational, "10.0.0.7", "ntpd", null, "" },
        { "<30> Feb  2 10:00:00 web1 ntpd[12]: synced", Facility.Daemon, Severity.Informational, "web1", "ntpd", "12", "synced" },
        { "<38>Mar  3 2024 08:15:02: web1 sshd[7]: Accepted", Facility.Auth, Severity.Informational, "web1", "sshd", "7", "Accepted" },
        { "Feb  2 10:00:00 web1 cron[99]: no pri", Facility.User, Severity.Notice, "web1", "cron", "99", "no pri" },
        { "<13>Feb  2 10:00:00 web1 a/b-c_d.e[abc-7]: x", Facility.User, Severity.Notice, "web1", "a/b-c_d.e", "abc-7", "x" },
    };

    [Theory]
    [MemberData(nameof(RealWorld))]
    public void Real_world_lines(string raw, Facility facility, Severity severity, string? host, string? app, string? procId, string message)
    {
        var m = Parse.Text(raw);

        Assert.Equal(SyslogFormat.Rfc3164, m.Format);
        Assert.Null(m.ParseError);
        Assert.Equal(facility, m.Facility);
        Assert.Equal(severity, m.Severity);
        Assert.Equal(host, m.Hostname);
        Assert.Equal(app, m.AppName);
        Assert.Equal(procId, m.ProcId);
        Assert.Equal(message, m.Message);
    }

    [Fact]
    public void Loggen_iso_timestamp_without_zone_is_local_time()
    {
        var m = Parse.Text("<38>2026-11-29T02:58:56 localhost prg00000[1234]: seq: 0000000001, thread: 0000, runid: 1764385136, stamp: 2026-11-29T02:58:56 PADDPADD");

        Assert.Equal(Parse.Local(2026, 11, 29, 2, 58, 56), m.Timestamp);
        Assert.Equal(TimeSpan.FromHours(1), m.Timestamp!.Value.Offset);
        Assert.Equal("localhost", m.Hostname);
        Assert.Equal("prg00000", m.AppName);
        Assert.Equal("1234", m.ProcId);
        Assert.Equal("seq: 0000000001, thread: 0000, runid: 1764385136, stamp: 2026-11-29T02:58:56 PADDPADD", m.Message);
    }

    [Fact]
    public void Rfc3339_timestamp_with_zone_in_3164_position_keeps_its_offset()
    {
        var m = Parse.Text("<13>2012-08-16T14:34:03.123-08:00 127.0.0.1 test: shnap!");

        Assert.Equal(new DateTimeOffset(2012, 8, 16, 14, 34, 3, 123, TimeSpan.FromHours(-8)), m.Timestamp);
        Assert.Equal(TimeSpan.FromHours(-8), m.Timestamp!.Value.Offset);
        Assert.Equal("127.0.0.1", m.Hostname);
        Assert.Equal("test", m.AppName);
        Assert.Equal("shnap!", m.Message);
    }

    [Fact]
    public void Cisco_year_in_timestamp_and_colon_after_it()
    {
        var m = Parse.Text("<189>May 21 2008 10:50:11: %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down");

        Assert.Equal(Facility.Local7, m.Facility);
        Assert.Equal(Severity.Notice, m.Severity);
        Assert.Equal(Parse.Local(2008, 5, 21, 10, 50, 11), m.Timestamp);
        Assert.Equal("192.0.2.10", m.Hostname);
        Assert.Equal("%LINK-3-UPDOWN", m.AppName);
        Assert.Equal("Interface GigabitEthernet0/1, changed state to down", m.Message);
    }

    [Fact]
    public void Fraction_of_a_second_after_a_bsd_timestamp()
    {
        var m = Parse.Text("<13>Nov 29 03:12:01.123456 host app: x");

        Assert.Equal(Parse.Local(2026, 11, 29, 3, 12, 1).AddTicks(1_234_560), m.Timestamp);
        Assert.Equal("host", m.Hostname);
    }

    [Fact]
    public void Local_sender_without_host_name_gets_the_local_host_name()
    {
        var m = Parse.Text("<13>Nov 29 03:12:01 root: hello from logger", Parse.Unix);

        Assert.Equal(Parse.LocalHost, m.Hostname);
        Assert.Equal("root", m.AppName);
        Assert.Equal("hello from logger", m.Message);
    }

    [Fact]
    public void Original_table_rfc5424_line_is_now_read_as_rfc5424()
    {
        var m = Parse.Text("<1>1 2003-10-11T22:14:15.003Z host app - ID47 - x");

        Assert.Equal(SyslogFormat.Rfc5424, m.Format);
        Assert.Equal(Facility.Kern, m.Facility);
        Assert.Equal(Severity.Alert, m.Severity);
        Assert.Equal("host", m.Hostname);
        Assert.Equal("app", m.AppName);
        Assert.Equal("ID47", m.MsgId);
        Assert.Equal("x", m.Message);
    }

    [Fact]
    public void Original_table_no_pri_at_all()
    {
        var m = Parse.Text("no pri at all");

        Assert.False(m.HasPri);
        Assert.Equal(Facility.User, m.Facility);
        Assert.Equal(Severity.Notice, m.Severity);
        Assert.Equal("no pri at all", m.Message);
        Assert.Null(m.ParseError);
    }

    [Fact]
    public void No_pri_but_a_full_header_is_still_read()
    {
        var m = Parse.Text("Nov 29 03:12:01 web1 sshd[9]: hello");

        Assert.False(m.HasPri);
        Assert.Equal(Parse.Local(2026, 11, 29, 3, 12, 1), m.Timestamp);
        Assert.Equal("web1", m.Hostname);
        Assert.Equal("sshd", m.AppName);
        Assert.Equal("hello", m.Message);
    }

    [Theory]
    // now (local)               sent               expected year
    [InlineData(2027, 1, 1, 0, 0, 10, "Dec 31 23:59:59", 2026)] // sent before New Year, read after
    [InlineData(2026, 12, 31, 23, 59, 50, "Jan  1 00:00:05", 2027)] // sender's clock a little ahead over New Year
    [InlineData(2026, 11, 29, 3, 40, 0, "Dec 15 10:00:00", 2026)] // two weeks ahead: a wrong clock, still this year
    [InlineData(2026, 11, 29, 3, 40, 0, "Dec 31 10:00:00", 2025)] // more than a month ahead: last year
    [InlineData(2026, 11, 29, 3, 40, 0, "Jan 15 10:00:00", 2026)] // ten months ago
    [InlineData(2026, 3, 1, 12, 0, 0, "Feb 28 12:00:00", 2026)]
    [InlineData(2028, 3, 1, 12, 0, 0, "Feb 29 12:00:00", 2028)] // leap year
    public void Year_is_inferred_around_new_year(int year, int month, int day, int hour, int minute, int second, string sent, int expectedYear)
    {
        var clock = FixedClock.At(year, month, day, hour, minute, second);

        var m = Parse.Text($"<13>{sent} host app: x", clock: clock);

        Assert.Equal(expectedYear, m.Timestamp!.Value.Year);
        Assert.Equal(sent[..3], m.Timestamp.Value.ToString("MMM", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(TimeSpan.FromHours(1), m.Timestamp.Value.Offset);
    }

    [Fact]
    public void Year_follows_the_reception_time_not_the_parse_time()
    {
        // Parsed in February 2027 (after a long wait in a queue, say) a "Feb 20" would be 2027; received on the
        // last day of 2026 it was sent in February 2026.
        var parser = new Syslogintr.Ingest.Parsing.SyslogParser(FixedClock.At(2027, 2, 15, 12, 0, 0), Parse.LocalHost);
        var receivedBeforeNewYear = Parse.Local(2026, 12, 31, 23, 59, 59);

        var m = parser.Parse("<13>Feb 20 10:00:00 host app: x"u8, Parse.Udp, receivedBeforeNewYear);

        Assert.Equal(Parse.Local(2026, 2, 20, 10, 0, 0), m.Timestamp);
    }

    [Fact]
    public void Feb_29_in_a_year_without_one_is_no_timestamp()
    {
        var m = Parse.Text("<13>Feb 29 12:00:00 host app: x", clock: FixedClock.At(2027, 3, 1, 12, 0, 0));

        Assert.Null(m.Timestamp);
        Assert.Equal("Feb 29 12:00:00 host app: x", m.Message);
    }

    [Fact]
    public void Offset_is_the_local_zone_of_the_clock()
    {
        var m = Parse.Text("<13>Nov 29 03:12:01 host app: x", clock: FixedClock.At(2026, 11, 29, 3, 40, 0, zoneHours: -5));

        Assert.Equal(new DateTimeOffset(2026, 11, 29, 3, 12, 1, TimeSpan.FromHours(-5)), m.Timestamp);
    }

    [Theory]
    [InlineData("<13>Nov 32 03:12:01 host app: x")]
    [InlineData("<13>Nov 29 24:12:01 host app: x")]
    [InlineData("<13>Nox 29 03:12:01 host app: x")]
    [InlineData("<13>Nov 29 03:12:01x host app: x")]
    [InlineData("<13>Nov 29 3:12:01 host app: x")]
    public void Malformed_bsd_timestamps_are_not_header(string raw)
    {
        var m = Parse.Text(raw);

        Assert.Equal(SyslogFormat.Rfc3164, m.Format);
        Assert.Null(m.Timestamp);
        Assert.Null(m.AppName);
        Assert.Equal(raw[4..], m.Message);
    }
}
