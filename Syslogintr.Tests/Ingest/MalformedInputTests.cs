using System.Text;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;

namespace Syslogintr.Tests.Ingest;

/// <summary>Whatever arrives becomes one record; what cannot be read says why.</summary>
public sealed class MalformedInputTests
{
    [Theory]
    [InlineData("", "empty message")]
    [InlineData("\n", "empty message")]
    [InlineData("\r\n\0", "empty message")]
    [InlineData("<>", "empty PRI")]
    [InlineData("<>Nov 29 03:12:01 host app: x", "empty PRI")]
    [InlineData("<999>", "PRI value 999 out of range")]
    [InlineData("<200>Nov 29 03:12:01 host app: x", "PRI value 200 out of range")]
    [InlineData("<192>x", "PRI value 192 out of range")]
    [InlineData("<1234>x", "PRI longer than 3 digits")]
    [InlineData("<13", "PRI is not closed by '>'")]
    [InlineData("<13 x", "PRI is not closed by '>'")]
    [InlineData("<", "PRI is not a number")]
    [InlineData("<abc>x", "PRI is not a number")]
    public void Bad_pri_is_unknown_format_with_raw_text_and_defaults(string raw, string error)
    {
        var m = Parse.Text(raw);

        Assert.Equal(SyslogFormat.Unknown, m.Format);
        Assert.Equal(error, m.ParseError);
        Assert.False(m.IsValid);
        Assert.False(m.HasPri);
        Assert.Equal(Facility.User, m.Facility);
        Assert.Equal(Severity.Notice, m.Severity);
        Assert.Equal(raw.TrimEnd('\n', '\r', '\0'), m.Message);
        Assert.Equal("192.0.2.10", m.Hostname);
        Assert.Equal(Parse.ReceivedAt, m.ReceivedAt);
    }

    [Theory]
    [InlineData("<13>1 ", "truncated header: no TIMESTAMP")]
    [InlineData("<13>1 2003-10-11T22:14:15Z", "truncated header: no TIMESTAMP")]
    [InlineData("<13>1 2003-10-11T22:14:15Z host", "truncated header: no HOSTNAME")]
    [InlineData("<13>1 2003-10-11T22:14:15Z host app", "truncated header: no APP-NAME")]
    [InlineData("<13>1 2003-10-11T22:14:15Z host app 12", "truncated header: no PROCID")]
    [InlineData("<13>1 2003-10-11T22:14:15Z host app 12 ID", "truncated header: no MSGID")]
    [InlineData("<13>1 2003-10-11T22:14:15Z host app 12 ID ", "truncated header: no STRUCTURED-DATA")]
    [InlineData("<13>1 2003-10-11T22:14:15Z  app 12 ID - x", "empty HOSTNAME")]
    [InlineData("<13>1 - hóst app - - - x", "HOSTNAME contains a character other than printable US-ASCII")]
    [InlineData("<13>1 - host app - - x", "STRUCTURED-DATA is neither '-' nor an element in brackets")]
    [InlineData("<13>1 - host app - - [id a=\"1\"", "unterminated STRUCTURED-DATA")]
    [InlineData("<13>1 - host app - - [id a=\"1", "unterminated STRUCTURED-DATA")]
    [InlineData("<13>1 - host app - - [id a=", "unterminated STRUCTURED-DATA")]
    [InlineData("<13>1 - host app - - [id", "unterminated STRUCTURED-DATA")]
    [InlineData("<13>1 - host app - - [", "unterminated STRUCTURED-DATA")]
    [InlineData("<13>1 - host app - - [id a=\"C:\\\"] x", "unterminated STRUCTURED-DATA")] // the backslash escapes the closing quote
    [InlineData("<13>1 - host app - - [id a=b] x", "parameter a of id is not name=\"value\"")]
    [InlineData("<13>1 - host app - - [id a] x", "parameter a of id is not name=\"value\"")]
    [InlineData("<13>1 - host app - - [id  a=\"b\"] x", "empty or invalid PARAM-NAME")]
    [InlineData("<13>1 - host app - - [] x", "empty or invalid SD-ID")]
    [InlineData("<13>1 - host app - - [id,a=\"b\"] x", "unexpected character in SD-ELEMENT id,a")]
    [InlineData("<13>1 - host app - - [a234567890123456789012345678901234] x", "SD-ID longer than 32 characters")]
    [InlineData("<13>1 - host app - - [id a=\"1\"][id b=\"2\"] x", "duplicate SD-ID id")]
    [InlineData("<13>1 - host app - - [id a=\"1\"]x", "no space after STRUCTURED-DATA")]
    [InlineData("<13>1 - host app - - -x", "no space after STRUCTURED-DATA")]
    public void Broken_rfc5424_keeps_pri_raw_text_and_reason(string raw, string error)
    {
        var m = Parse.Text(raw);

        Assert.Equal(SyslogFormat.Unknown, m.Format);
        Assert.Equal(error, m.ParseError);
        Assert.True(m.HasPri);
        Assert.Equal(Facility.User, m.Facility);
        Assert.Equal(Severity.Notice, m.Severity);
        Assert.Equal(raw, m.Message);
        Assert.Null(m.AppName);
        Assert.Empty(m.StructuredData);
    }

    [Fact]
    public void Bad_utf8_is_decoded_with_replacement_characters_and_delivered()
    {
        byte[] raw = [.. "<13>1 - host app - - [id a=\""u8, 0xC3, .. "\"] ok "u8, 0xFF, 0xFE, .. "end"u8];

        var m = Parse.Bytes(raw);

        Assert.Null(m.ParseError);
        Assert.Equal("ok \uFFFD\uFFFDend", m.Message);
        Assert.Equal("\uFFFD", m.StructuredData[0].Parameters[0].Value);
        Assert.Equal(raw, m.Raw);
    }

    [Fact]
    public void Bad_utf8_in_rfc3164_and_in_unknown_messages()
    {
        var m3164 = Parse.Bytes([.. "<13>Nov 29 03:12:01 host app: "u8, 0x80, (byte)'x']);
        var unknown = Parse.Bytes([.. "<999>"u8, 0xC0]);

        Assert.Equal("\uFFFDx", m3164.Message);
        Assert.Equal("<999>\uFFFD", unknown.Message);
    }

    [Fact]
    public void Trailing_line_feed_carriage_return_and_nul_are_trimmed_from_message_and_raw()
    {
        var m = Parse.Text("<13>Nov 29 03:12:01 host app: x\r\n\0");

        Assert.Equal("x", m.Message);
        Assert.Equal("<13>Nov 29 03:12:01 host app: x"u8.ToArray(), m.Raw);
    }

    [Fact]
    public void Control_characters_inside_are_kept_as_received()
    {
        var m = Parse.Text("<13>Nov 29 03:12:01 host app: a\nb\0c\u001bd");

        Assert.Equal("a\nb\0c\u001bd", m.Message);
    }

    [Fact]
    public void Messages_of_64_kib_and_more_are_parsed_whole()
    {
        var text = new string('x', 100_000);

        var m3164 = Parse.Text("<13>Nov 29 03:12:01 host app: " + text);
        var m5424 = Parse.Text($"<13>1 - host app - - [big v=\"{text}\"] {text}");
        var unknown = Parse.Text("<999>" + text);

        Assert.Equal(text, m3164.Message);
        Assert.Equal(text, m5424.Message);
        Assert.Equal(text, m5424.StructuredData[0].Parameters[0].Value);
        Assert.Equal(100_005, unknown.Message.Length);
        Assert.Equal(100_005, unknown.Raw.Length);
    }

    [Fact]
    public void Raw_is_a_copy_and_origin_received_at_and_truncated_are_carried()
    {
        var raw = "<13>Nov 29 03:12:01 host app: x"u8.ToArray();
        var parser = new SyslogParser(FixedClock.Default, Parse.LocalHost);

        var m = parser.Parse(raw, Parse.Unix, Parse.ReceivedAt, truncated: true);
        raw[5] = (byte)'X';

        Assert.Equal("<13>Nov 29 03:12:01 host app: x", Encoding.UTF8.GetString(m.Raw));
        Assert.Same(Parse.Unix, m.Origin);
        Assert.Equal(Parse.ReceivedAt, m.ReceivedAt);
        Assert.True(m.Truncated);
        Assert.False(parser.Parse(raw, Parse.Unix, Parse.ReceivedAt).Truncated);
    }

    [Fact]
    public void Missing_host_name_can_be_left_null()
    {
        var parser = new SyslogParser(FixedClock.Default, Parse.LocalHost) { FillMissingHostname = false };

        Assert.Null(parser.Parse("<13>Nov 29 03:12:01 sshd[1]: x"u8, Parse.Udp, Parse.ReceivedAt).Hostname);
        Assert.Null(parser.Parse("<999>"u8, Parse.Unix, Parse.ReceivedAt).Hostname);
    }

    [Fact]
    public void Network_sender_without_address_falls_back_to_the_local_host_name()
    {
        var tcp = new Origin(Transport.Tcp, null, -1, "0.0.0.0", 514, "tcp");

        Assert.Equal(Parse.LocalHost, Parse.Text("<13>Nov 29 03:12:01 sshd[1]: x", tcp).Hostname);
    }

    [Fact]
    public void Every_prefix_of_valid_messages_parses_without_throwing()
    {
        string[] lines =
        [
            "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Appl\\\"ication\"][x@1 a=\"\"] \uFEFFAn entry",
            "<38>Nov 29 03:12:01 2001:db8::17 sshd[4242]: Failed password",
            "<189>May 21 2008 10:50:11.123: %LINK-3-UPDOWN: down",
            "<38>2026-11-29T02:58:56.123456+01:00 localhost prg00000[1234]: seq: 1",
        ];
        var parser = new SyslogParser(FixedClock.Default, Parse.LocalHost);

        foreach (var line in lines)
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            for (var length = 0; length <= bytes.Length; length++)
            {
                var m = parser.Parse(bytes.AsSpan(0, length), Parse.Udp, Parse.ReceivedAt);
                Assert.NotNull(m.Message);
                Assert.Equal(m.Format == SyslogFormat.Unknown, m.ParseError is not null);
            }
        }
    }
}
