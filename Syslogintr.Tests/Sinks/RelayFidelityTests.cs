using System.Text;
using Syslogintr.Sinks;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;
using Syslogintr.Metrics;
using Syslogintr.Rules;
using Syslogintr.Sinks.Relay;
using Syslogintr.Tests.Rules;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Sinks;

/// <summary>
/// What a message says must survive the relay: parsed as it arrives, handed to a rule's Lua table, relayed with
/// <c>relay()</c> and written as the relay writes it, every field reads as it was sent.
/// </summary>
public sealed class RelayFidelityTests : IDisposable
{
    /// <summary>UTC−5 all year, so the test needs no time zone database and no process TZ.</summary>
    private static readonly TimeZoneInfo NewYorkWinter = TimeZoneInfo.CreateCustomTimeZone("test-0500", TimeSpan.FromHours(-5), "UTC-5", "UTC-5");
    private static readonly Origin Sender = new(Transport.Udp, "192.0.2.10", 40000, "127.0.0.1", 5514, "udp");

    private readonly RuleFolder folder = new();
    private readonly RecordingEffects effects = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void An_rfc3164_relay_writes_the_timestamp_in_the_nodes_local_time()
    {
        // The clock's zone is the node's: the parser reads the header in it, and the relay must write it back in it.
        var sent = Relay("<11>Dec  1 13:50:07 db01 CRON: job done", "rfc3164");
        Assert.Equal("<11>Dec  1 13:50:07 db01 CRON: job done", sent);
    }

    [Fact]
    public void A_built_message_is_relayed_in_local_time_too()
    {
        var m = new SyslogMessage
        {
            Facility = Facility.User,
            Severity = Severity.Error,
            Timestamp = new DateTimeOffset(2026, 12, 1, 18, 50, 7, TimeSpan.Zero),
            ReceivedAt = DateTimeOffset.UnixEpoch,
            AppName = "CRON",
            Message = "x",
            Origin = Origin.Internal,
        };
        Assert.Equal("<11>Dec  1 13:50:07 CRON: x", RelayWireFormat.Rfc3164(m, NewYorkWinter));
    }

    [Theory]
    [InlineData("rfc3164", "<13>Dec  1 13:50:07 web1 a/b-c_d.e[abc-7]: text")]
    [InlineData("rfc5424", "<13>1 2026-12-01T13:50:07-05:00 web1 a/b-c_d.e abc-7 - - text")]
    public void A_non_numeric_procid_of_an_rfc3164_message_is_kept(string format, string expected) =>
        Assert.Equal(expected, Relay("<13>Dec  1 13:50:07 web1 a/b-c_d.e[abc-7]: text", format));

    [Theory]
    [InlineData("<13>Dec  1 13:50:07.345 web1 app: t", "<13>1 2026-12-01T13:50:07.345-05:00 web1 app - - - t")]
    [InlineData("<13>2026-12-01T12:00:00.25Z web1 app: t", "<13>1 2026-12-01T12:00:00.25Z web1 app - - - t")]
    public void An_rfc3164_timestamp_keeps_its_fraction_digits_and_z_in_an_rfc5424_relay(string wire, string expected) =>
        Assert.Equal(expected, Relay(wire, "rfc5424"));

    [Fact]
    public void An_rfc5424_procid_that_is_no_number_is_kept_in_an_rfc3164_relay() =>
        Assert.Equal(
            "<13>Dec  1 05:00:00 web1 app[worker-3]: text",
            Relay("<13>1 2026-12-01T12:00:00+02:00 web1 app worker-3 - - text", "rfc3164"));

    [Fact]
    public void An_rfc5424_relay_keeps_structured_data_and_the_timestamp_as_sent()
    {
        const string Sd = """[x@1 ip="1.1.1.1" ip="2.2.2.2"][a@1 q="say \"hi\" \\n \]"][m@1]""";
        var original = $"<13>1 2026-12-01T12:00:00.5+02:00 web1 app 77 ID9 {Sd} text";
        Assert.Equal(original, Relay(original, "rfc5424"));
    }

    [Fact]
    public void A_utc_timestamp_keeps_its_z()
    {
        const string Original = "<13>1 2026-12-01T12:00:00.25Z web1 app 77 - - text";
        Assert.Equal(Original, Relay(Original, "rfc5424"));
    }

    [Fact]
    public void A_script_that_changes_the_sd_view_relays_what_it_made()
    {
        using var rule = Load("""
            local home = host("127.0.0.1")
            function log(m) m.sd["x@1"].ip = "3.3.3.3" relay(home, m, "rfc5424") end
            """);
        Assert.Null(rule.Deliver(Parse("""<13>1 2026-12-01T12:00:00+02:00 web1 app 77 - [x@1 ip="1.1.1.1" ip="2.2.2.2"] t""")));
        Assert.Contains("""[x@1 ip="3.3.3.3"] t""", Sent(effects.Actions.OfType<RelayRequested>().Single()));
    }

    [Fact]
    public void A_changed_timestamp_goes_out_as_the_script_set_it()
    {
        using var rule = Load("""
            local home = host("127.0.0.1")
            function log(m) m.logtimestamp = m.logtimestamp + 60 relay(home, m, "rfc5424") end
            """);
        Assert.Null(rule.Deliver(Parse("<13>1 2026-12-01T12:00:00.5+02:00 web1 app 77 - - t")));
        Assert.StartsWith("<13>1 2026-12-01T10:01:00.000000+00:00 ", Sent(effects.Actions.OfType<RelayRequested>().Single()));
    }

    [Fact]
    public void Relay_losses_appear_in_the_summary_line()
    {
        using var metrics = new NodeMetrics();
        Assert.DoesNotContain("relay", metrics.Summary());
        metrics.SideEffects.Add("relay.lost", 3);
        metrics.SideEffects.Increment("relay.dropped");
        metrics.SideEffects.Add("relay.connect_failed", 2);
        Assert.Contains("relay: lost=3 dropped=1 connect_failed=2", metrics.Summary());
    }

    private string Relay(string wire, string format)
    {
        using var rule = Load($$"""
            local home = host("127.0.0.1")
            function log(m) relay(home, m, "{{format}}") end
            """);
        Assert.Null(rule.Deliver(Parse(wire)));
        return Sent(effects.Actions.OfType<RelayRequested>().Single());
    }

    private static string Sent(RelayRequested request) =>
        Encoding.UTF8.GetString(RelayWireFormat.Encode(request.Message, request.Rfc5424, 8192, NewYorkWinter));

    private LuaRule Load(string lua) => LuaRule.Load(folder.Rule("t", lua), effects, new ZoneClock(NewYorkWinter), "node1");

    private static SyslogMessage Parse(string wire)
    {
        var receivedAt = new DateTimeOffset(2026, 12, 1, 19, 0, 0, TimeSpan.Zero);
        return new SyslogParser(new ZoneClock(NewYorkWinter), "node1").Parse(Encoding.UTF8.GetBytes(wire), Sender, receivedAt);
    }
}
