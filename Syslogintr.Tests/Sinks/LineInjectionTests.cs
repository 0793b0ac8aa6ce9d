using System.Text;
using Syslogintr.Ingest;
using Syslogintr.Sinks.Formatting;
using Syslogintr.Sinks.Relay;
using Syslogintr.Tests.Ingest;

namespace Syslogintr.Tests.Sinks;

/// <summary>
/// Log injection: whatever control characters a sender (or a rule) puts into any field, one message is written as
/// exactly one line — in every file format, with or without <c>escape-control-characters</c>, and on a relay.
/// </summary>
public sealed class LineInjectionTests
{
    private const int MessagesPerRun = 3000;

    /// <summary>Every C0 control, DEL, the characters the formats treat specially, and Unicode's own line separators.</summary>
    private static readonly string Alphabet =
        new string([.. Enumerable.Range(0, 32).Select(i => (char)i)]) + "\u007f \"\\[]=#:-<>abcXYZ019é\u0085\u2028\u2029€";

    private static readonly OutputFormat[] Formats = Enum.GetValues<OutputFormat>();

    [Fact]
    public void Every_field_of_every_format_with_control_characters_is_one_line()
    {
        var random = new Random(8);
        for (var i = 0; i < MessagesPerRun; i++)
        {
            var m = RandomMessage(random);
            foreach (var format in Formats)
            {
                var escaped = SyslogFormatter.Format(m, format, escapeControl: true);
                Assert.True(!HasControl(escaped), $"{format}, escaped, kept a control character: {Show(escaped)} from {Show(m)}");

                var raw = SyslogFormatter.Format(m, format, escapeControl: false);
                Assert.True(raw.IndexOfAny(['\n', '\r']) < 0, $"{format}, unescaped, broke the line: {Show(raw)} from {Show(m)}");
            }
        }
    }

    [Fact]
    public void Relay_output_in_both_formats_carries_no_control_character()
    {
        var random = new Random(9);
        for (var i = 0; i < MessagesPerRun; i++)
        {
            var m = RandomMessage(random);
            foreach (var rfc5424 in new[] { false, true })
            {
                var wire = Encoding.UTF8.GetString(RelayWireFormat.Encode(m, rfc5424, 64 * 1024, TimeZoneInfo.Utc));
                Assert.True(!HasControl(wire), $"relay (rfc5424={rfc5424}) kept a control character: {Show(wire)} from {Show(m)}");
            }
        }
    }

    [Fact]
    public void Escapes_are_rsyslogs_octal_and_newlines_are_escaped_even_when_escaping_is_off()
    {
        var m = Sample with { Hostname = "evil\nhost", AppName = "ap\rp", ProcId = "1\t2", Message = "a\nb\tc\u007fd\u2028e" };

        Assert.Equal(
            "Dec  1 00:00:00 evil#012host ap#015p[1#0112]: a#012b#011c#177d\u2028e",
            SyslogFormatter.Format(m, OutputFormat.Traditional, escapeControl: true));
        Assert.Equal(
            "Dec  1 00:00:00 evil#012host ap#015p[1\t2]: a#012b\tc\u007fd\u2028e",
            SyslogFormatter.Format(m, OutputFormat.Traditional, escapeControl: false));
    }

    [Fact]
    public void A_newline_in_a_structured_data_value_cannot_forge_an_rfc5424_line()
    {
        var m = Sample with
        {
            StructuredData = [new("x@1", [new("k", "v\n<0>1 2026-12-01T00:00:00Z fakehost sshd 1 - - FORGED")])],
            Message = "real",
        };

        Assert.Equal(
            "<13>1 2026-12-01T00:00:00.000000+00:00 h app - - [x@1 k=\"v#012<0>1 2026-12-01T00:00:00Z fakehost sshd 1 - - FORGED\"] real",
            SyslogFormatter.Format(m, OutputFormat.Rfc5424, escapeControl: false));
    }

    [Fact]
    public void Sd_names_a_rule_made_up_are_written_as_the_grammar_allows()
    {
        var m = Sample with { StructuredData = [new("a b\n]", [new("k=\"", "v")])], Message = "" };

        Assert.Equal(
            "<13>1 2026-12-01T00:00:00.000000+00:00 h app - - [a_b__ k__=\"v\"]",
            SyslogFormatter.Format(m, OutputFormat.Rfc5424, escapeControl: true));
    }

    [Fact]
    public void An_rfc3164_host_name_with_a_control_character_is_message_text()
    {
        var m = Parse.Text("<13>Dec  1 00:00:00 evil\nDec  1 00:00:00 fakehost sshd[1]: FORGED x: y");

        Assert.Null(m.ParseError);
        Assert.Equal(Parse.Udp.RemoteAddress, m.Hostname);
        Assert.Null(m.AppName);
        Assert.Equal("evil\nDec  1 00:00:00 fakehost sshd[1]: FORGED x: y", m.Message);
    }

    [Theory]
    [InlineData("<13>Dec  1 00:00:00 host ss\u001bhd[1]: x", null, null)]
    [InlineData("<13>Dec  1 00:00:00 host sshd[1\n2]: x", null, null)]
    [InlineData("<13>Dec  1 00:00:00 host [ss\u007fhd]: x", null, null)]
    [InlineData("<13>Dec  1 00:00:00 ss\thd[1]: x", null, null)]
    [InlineData("<13>Dec  1 00:00:00 host sshd[12]: a\nb", "sshd", "12")]
    public void An_rfc3164_tag_or_pid_with_a_control_character_is_no_tag(string text, string? program, string? pid)
    {
        var m = Parse.Text(text);

        Assert.Equal(program, m.AppName);
        Assert.Equal(pid, m.ProcId);
        Assert.False(HasControl(m.Hostname + m.AppName + m.ProcId));
    }

    [Theory]
    [InlineData("<13>1 - ho\nst app - - - x", "HOSTNAME")]
    [InlineData("<13>1 - host a\u007fp - - - x", "APP-NAME")]
    [InlineData("<13>1 - host app 1\t2 - - x", "PROCID")]
    [InlineData("<13>1 - host app - m\u0001 - x", "MSGID")]
    public void An_rfc5424_header_field_with_a_control_character_is_a_parse_error(string text, string field)
    {
        var m = Parse.Text(text);

        Assert.Contains(field, m.ParseError);
        Assert.Null(m.AppName);
    }

    private static readonly SyslogMessage Sample = new()
    {
        Facility = Facility.User,
        Severity = Severity.Notice,
        Version = 1,
        Timestamp = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
        ReceivedAt = DateTimeOffset.UnixEpoch,
        Hostname = "h",
        AppName = "app",
        Message = "m",
        Origin = Origin.Internal,
    };

    private static SyslogMessage RandomMessage(Random random) => Sample with
    {
        Hostname = Maybe(random),
        AppName = Maybe(random),
        ProcId = Maybe(random),
        MsgId = Maybe(random),
        StructuredData = [.. Enumerable.Range(0, random.Next(3)).Select(i => new StructuredDataElement(
            Text(random, 1) + i,
            [.. Enumerable.Range(0, random.Next(3)).Select(_ => new KeyValuePair<string, string>(Text(random, 1), Text(random, 0)))]))],
        Message = Text(random, 0),
        Origin = new Origin(random.Next(2) == 0 ? Transport.Udp : Transport.Unix, Maybe(random), 514, "0.0.0.0", 514, "fuzz"),
    };

    /// <summary>Null, empty, or 1–24 characters drawn mostly from the control characters.</summary>
    private static string? Maybe(Random random) => random.Next(8) switch
    {
        0 => null,
        1 => "",
        _ => Text(random, 1),
    };

    private static string Text(Random random, int minLength)
    {
        var chars = new char[random.Next(minLength, 25)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[random.Next(Alphabet.Length)];
        }

        return new string(chars);
    }

    private static bool HasControl(string text) => text.Any(c => c is < ' ' or '\u007f');

    private static string Show(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private static string Show(SyslogMessage m) =>
        Show($"host={m.Hostname} app={m.AppName} pid={m.ProcId} msgid={m.MsgId} sd={string.Join(",", m.StructuredData.Select(e => e.Id + ":" + string.Join(";", e.Parameters)))} msg={m.Message}");
}
