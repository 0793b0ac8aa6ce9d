using Syslogintr.Ingest;

namespace Syslogintr.Tests.Ingest;

public sealed class Rfc5424ParserTests
{
    private const string Bom = "\uFEFF";

    [Fact]
    public void Rfc5424_example_1_with_bom_before_msg()
    {
        var m = Parse.Text("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - " + Bom + "'su root' failed for lonvick on /dev/pts/8");

        Assert.Equal(SyslogFormat.Rfc5424, m.Format);
        Assert.Null(m.ParseError);
        Assert.Equal(Facility.Auth, m.Facility);
        Assert.Equal(Severity.Critical, m.Severity);
        Assert.True(m.HasPri);
        Assert.Equal(1, m.Version);
        Assert.Equal(new DateTimeOffset(2003, 10, 11, 22, 14, 15, 3, TimeSpan.Zero), m.Timestamp);
        Assert.Equal(TimeSpan.Zero, m.Timestamp!.Value.Offset);
        Assert.Equal("mymachine.example.com", m.Hostname);
        Assert.Equal("su", m.AppName);
        Assert.Null(m.ProcId);
        Assert.Equal("ID47", m.MsgId);
        Assert.Empty(m.StructuredData);
        Assert.Equal("'su root' failed for lonvick on /dev/pts/8", m.Message);
    }

    [Fact]
    public void Rfc5424_example_2_microseconds_and_negative_offset()
    {
        var m = Parse.Text("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.");

        Assert.Equal(SyslogFormat.Rfc5424, m.Format);
        Assert.Equal(Facility.Local4, m.Facility);
        Assert.Equal(Severity.Notice, m.Severity);
        Assert.Equal(new DateTimeOffset(2003, 8, 24, 5, 14, 15, TimeSpan.FromHours(-7)).AddTicks(30), m.Timestamp);
        Assert.Equal(TimeSpan.FromHours(-7), m.Timestamp!.Value.Offset);
        Assert.Equal("192.0.2.1", m.Hostname);
        Assert.Equal("myproc", m.AppName);
        Assert.Equal("8710", m.ProcId);
        Assert.Null(m.MsgId);
        Assert.Empty(m.StructuredData);
        Assert.Equal("%% It's time to make the do-nuts.", m.Message);
    }

    [Fact]
    public void Rfc5424_example_3_structured_data_and_msg()
    {
        var m = Parse.Text("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 " +
                           "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] " + Bom + "An application event log entry...");

        Assert.Equal(SyslogFormat.Rfc5424, m.Format);
        Assert.Equal("evntslog", m.AppName);
        Assert.Null(m.ProcId);
        Assert.Equal("ID47", m.MsgId);
        var element = Assert.Single(m.StructuredData);
        Assert.Equal("exampleSDID@32473", element.Id);
        Assert.Equal(
            [new("iut", "3"), new("eventSource", "Application"), new("eventID", "1011")],
            element.Parameters);
        Assert.Equal("An application event log entry...", m.Message);
    }

    [Fact]
    public void Rfc5424_example_4_two_elements_and_no_msg()
    {
        var m = Parse.Text("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 " +
                           "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]");

        Assert.Equal(SyslogFormat.Rfc5424, m.Format);
        Assert.Equal(2, m.StructuredData.Count);
        Assert.Equal("exampleSDID@32473", m.StructuredData[0].Id);
        Assert.Equal(3, m.StructuredData[0].Parameters.Count);
        Assert.Equal("examplePriority@32473", m.StructuredData[1].Id);
        Assert.Equal([new("class", "high")], m.StructuredData[1].Parameters);
        Assert.Equal("", m.Message);
    }

    [Theory]
    [InlineData("1985-04-12T23:20:50.52Z", "1985-04-12T23:20:50.5200000+00:00")]
    [InlineData("1985-04-12T19:20:50.52-04:00", "1985-04-12T19:20:50.5200000-04:00")]
    [InlineData("2003-10-11T22:14:15.003Z", "2003-10-11T22:14:15.0030000+00:00")]
    [InlineData("2003-08-24T05:14:15.000003-07:00", "2003-08-24T05:14:15.0000030-07:00")]
    [InlineData("2026-11-29T03:40:00+05:45", "2026-11-29T03:40:00.0000000+05:45")]
    public void Rfc5424_timestamps_of_section_6_2_3_1(string timestamp, string expected)
    {
        var m = Parse.Text($"<14>1 {timestamp} host app - - - x");

        Assert.Null(m.ParseError);
        Assert.Equal(expected, m.Timestamp!.Value.ToString("o"));
    }

    [Theory]
    [InlineData("1990-12-31T23:59:60Z")] // leap second, forbidden by §6.2.3.1
    [InlineData("2003-08-24T05:14:15.000000003-07:00")] // more than 6 fraction digits
    [InlineData("2003-10-11T22:14:15")] // no offset
    [InlineData("2003-10-11t22:14:15Z")] // lower-case T
    [InlineData("2003-13-11T22:14:15Z")]
    [InlineData("2003-02-29T22:14:15Z")]
    [InlineData("2003-10-11T24:14:15Z")]
    [InlineData("2003-10-11T22:14:15+15:00")]
    [InlineData("2003-10-11T22:14:15.Z")]
    [InlineData("Oct 11 22:14:15")]
    public void Invalid_timestamps_are_reported(string timestamp)
    {
        var m = Parse.Text($"<14>1 {timestamp} host app - - - x");

        Assert.Equal(SyslogFormat.Unknown, m.Format);
        Assert.Equal("invalid TIMESTAMP", m.ParseError);
    }

    [Fact]
    public void Nil_values_everywhere()
    {
        var m = Parse.Text("<14>1 - - - - - -", Parse.Udp);

        Assert.Null(m.ParseError);
        Assert.Null(m.Timestamp);
        Assert.Null(m.AppName);
        Assert.Null(m.ProcId);
        Assert.Null(m.MsgId);
        Assert.Empty(m.StructuredData);
        Assert.Equal("", m.Message);
        Assert.Equal("192.0.2.10", m.Hostname); // no host named: the sender's address
    }

    [Fact]
    public void Nil_hostname_from_a_unix_socket_is_the_local_host()
    {
        Assert.Equal(Parse.LocalHost, Parse.Text("<14>1 - - app - - - x", Parse.Unix).Hostname);
    }

    [Fact]
    public void Escapes_in_param_values_are_undone_and_other_backslashes_kept()
    {
        var m = Parse.Text("<14>1 - h a - - [id@1 q=\"say \\\"hi\\\"\" b=\"C:\\\\dir\\]x\" n=\"a\\nb\" e=\"\" u=\"Grüße ]\"] text");

        Assert.Null(m.ParseError);
        Assert.Equal(
            [new("q", "say \"hi\""), new("b", "C:\\dir]x"), new("n", "a\\nb"), new("e", ""), new("u", "Grüße ]")],
            Assert.Single(m.StructuredData).Parameters);
        Assert.Equal("text", m.Message);
    }

    [Fact]
    public void Repeated_param_names_are_kept_in_order()
    {
        var m = Parse.Text("<14>1 - h a - - [origin ip=\"192.0.2.1\" ip=\"2001:db8::1\"]");

        Assert.Equal([new("ip", "192.0.2.1"), new("ip", "2001:db8::1")], Assert.Single(m.StructuredData).Parameters);
    }

    [Fact]
    public void Element_without_parameters()
    {
        var m = Parse.Text("<14>1 - h a - - [empty@1] x");

        Assert.Equal("empty@1", Assert.Single(m.StructuredData).Id);
        Assert.Empty(m.StructuredData[0].Parameters);
        Assert.Equal("x", m.Message);
    }

    [Fact]
    public void Msg_without_bom_may_be_any_text_and_keeps_control_characters()
    {
        var m = Parse.Text("<14>1 - h a - - - line one\nline two\ttab\u0001");

        Assert.Equal("line one\nline two\ttab\u0001", m.Message);
    }

    [Fact]
    public void Header_fields_at_their_length_limits_are_accepted()
    {
        var host = new string('h', 255);
        var app = new string('a', 48);
        var proc = new string('p', 128);
        var msgId = new string('m', 32);

        var m = Parse.Text($"<14>1 - {host} {app} {proc} {msgId} - x");

        Assert.Null(m.ParseError);
        Assert.Equal(host, m.Hostname);
        Assert.Equal(app, m.AppName);
        Assert.Equal(proc, m.ProcId);
        Assert.Equal(msgId, m.MsgId);
    }

    [Theory]
    [InlineData(256, 1, 1, 1, "HOSTNAME longer than 255 characters")]
    [InlineData(1, 49, 1, 1, "APP-NAME longer than 48 characters")]
    [InlineData(1, 1, 129, 1, "PROCID longer than 128 characters")]
    [InlineData(1, 1, 1, 33, "MSGID longer than 32 characters")]
    public void Header_fields_beyond_their_length_limits_are_reported(int host, int app, int proc, int msgId, string error)
    {
        var m = Parse.Text($"<14>1 - {new string('h', host)} {new string('a', app)} {new string('p', proc)} {new string('m', msgId)} - x");

        Assert.Equal(SyslogFormat.Unknown, m.Format);
        Assert.Equal(error, m.ParseError);
    }

    [Fact]
    public void Repeated_names_are_interned_so_steady_traffic_does_not_allocate_them_again()
    {
        var parser = new Syslogintr.Ingest.Parsing.SyslogParser(FixedClock.Default, Parse.LocalHost);
        var raw = "<14>1 - web1 nginx 77 ACCESS [req@1 path=\"/\"] GET /"u8.ToArray();

        var first = parser.Parse(raw, Parse.Udp, Parse.ReceivedAt);
        var second = parser.Parse(raw, Parse.Udp, Parse.ReceivedAt);

        Assert.Same(first.Hostname, second.Hostname);
        Assert.Same(first.AppName, second.AppName);
        Assert.Same(first.MsgId, second.MsgId);
        Assert.Same(first.StructuredData[0].Id, second.StructuredData[0].Id);
        Assert.Equal("web1", second.Hostname);
    }
}
