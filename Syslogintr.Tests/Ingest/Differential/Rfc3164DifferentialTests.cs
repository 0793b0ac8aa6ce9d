using System.Globalization;
using System.Text;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;
using Xunit.Abstractions;

namespace Syslogintr.Tests.Ingest.Differential;

/// <summary>
/// Our RFC 3164 parser against rsyslog itself, field by field, over <see cref="Rfc3164Corpus"/> (issue 13): pri,
/// hostname, program, procid, timestamp and msg must all agree on at least 99 % of the lines, apart from the forms where
/// we differ on purpose (README, "Parsing"), which are counted and shown but not held to rsyslog's answer.
/// </summary>
public sealed class Rfc3164DifferentialTests(ITestOutputHelper output)
{
    private static readonly string[] FieldNames = ["pri", "hostname", "program", "procid", "timestamp", "msg"];

    /// <summary>
    /// Where we read the line otherwise than rsyslog 8.2302 on purpose (each listed in the README), told by both answers
    /// (ours, rsyslog's), so a line only leaves the measure when it is exactly that difference.
    /// </summary>
    private static readonly (string Reason, Func<string, string?[], string?[], bool> Applies)[] DeliberateDifferences =
    [
        ("an IPv6 literal is a host name (rsyslog: tag \"2001:\")", (_, ours, _) => ours[1]?.Contains(':') == true),
        ("\"[program]\" is the program, as fail2ban reads it (rsyslog: PROCID)", (_, ours, theirs) => theirs[2] is null && ours[2] is not null && theirs[3] == ours[2]),
        ("an RFC 3339 timestamp after a space is read (rsyslog: no header)", (line, ours, theirs) => theirs[4] is null && ours[4] is not null && Rfc3339AfterSpace(line)),
        ("no timestamp, so no header: all message, RFC 3164 §4.3.3 (rsyslog: first word host, second tag)", (_, ours, theirs) => ours[4] is null && theirs[4] is null && ours[2] is null),
    ];

    private static bool Rfc3339AfterSpace(string line)
    {
        var body = line.StartsWith('<') ? line[(line.IndexOf('>') + 1)..] : line;
        return body.StartsWith(' ') && char.IsAsciiDigit(body.TrimStart(' ')[0]);
    }

    /// <summary>A clock in UTC at the real time (rsyslogd also runs with TZ=UTC and infers a missing year from now).</summary>
    private sealed class UtcClock : TimeProvider
    {
        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }

    [Fact]
    public async Task Agrees_with_rsyslog_on_at_least_99_percent_of_the_corpus()
    {
        var corpus = Rfc3164Corpus.Load().ToList();
        Assert.InRange(corpus.Count, 1000, 2000);
        var started = DateTimeOffset.UtcNow;
        IReadOnlyList<RsyslogFields> theirs;
        using (var rsyslog = new RsyslogOracle())
        {
            theirs = await rsyslog.ParseAsync(corpus);
        }

        var parser = new SyslogParser(new UtcClock(), "unused");
        var origin = new Origin(Transport.Udp, "127.0.0.1", 40514, "127.0.0.1", 514, "udp");
        var finished = DateTimeOffset.UtcNow;
        var agreeing = new int[FieldNames.Length];
        var deliberate = new int[DeliberateDifferences.Length];
        var fullyAgreeing = 0;
        var measured = 0;
        var shown = 0;
        for (var i = 0; i < corpus.Count; i++)
        {
            var ours = Fields(parser.Parse(Encoding.UTF8.GetBytes(corpus[i]), origin, DateTimeOffset.UtcNow));
            var expected = Fields(theirs[i], started, finished);
            if (Array.FindIndex(DeliberateDifferences, d => d.Applies(corpus[i], ours, expected)) is var d and >= 0)
            {
                deliberate[d]++;
                continue;
            }

            measured++;
            var all = true;
            for (var f = 0; f < FieldNames.Length; f++)
            {
                if (ours[f] == expected[f])
                {
                    agreeing[f]++;
                }
                else
                {
                    all = false;
                    if (shown++ < 40)
                    {
                        output.WriteLine($"{FieldNames[f]}: rsyslog {Quote(expected[f])} ours {Quote(ours[f])} in {Quote(corpus[i])}");
                    }
                }
            }

            fullyAgreeing += all ? 1 : 0;
        }

        for (var d = 0; d < DeliberateDifferences.Length; d++)
        {
            output.WriteLine($"not measured, {deliberate[d]} lines: {DeliberateDifferences[d].Reason}");
        }

        for (var f = 0; f < FieldNames.Length; f++)
        {
            output.WriteLine($"{FieldNames[f]}: {Percent(agreeing[f], measured)} agree");
        }

        output.WriteLine($"all six fields: {Percent(fullyAgreeing, measured)} of {measured} lines");
        Assert.True(fullyAgreeing >= measured * 0.99, $"only {Percent(fullyAgreeing, measured)} of the lines agree fully with rsyslog");
    }

    private static string Percent(int part, int whole) => (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static string Quote(string? s) => s is null ? "(none)" : "\"" + s + "\"";

    private static string?[] Fields(SyslogMessage m) =>
    [
        ((int)m.Facility * 8 + (int)m.Severity).ToString(CultureInfo.InvariantCulture),
        m.Hostname,
        string.IsNullOrEmpty(m.AppName) ? null : m.AppName,
        m.ProcId,
        m.Timestamp is { } t ? Instant(t) : null,
        m.Message,
    ];

    /// <summary>
    /// rsyslog's properties in our terms: "-" is none; a message without a timestamp gets the reception time (here:
    /// any time since the run started means none); msg keeps the space that separated it from the tag.
    /// </summary>
    private static string?[] Fields(RsyslogFields r, DateTimeOffset started, DateTimeOffset finished)
    {
        var timestamp = DateTimeOffset.Parse(r.Timestamp, CultureInfo.InvariantCulture);
        return
        [
            r.Pri,
            r.Hostname,
            r.ProgramName.Length == 0 ? null : r.ProgramName,
            r.ProcId is "-" or "" ? null : r.ProcId,
            timestamp >= started.AddSeconds(-1) && timestamp <= finished.AddSeconds(1) ? null : Instant(timestamp),
            r.Msg.StartsWith(' ') ? r.Msg[1..] : r.Msg,
        ];
    }

    /// <summary>rsyslog keeps microseconds.</summary>
    private static string Instant(DateTimeOffset t) =>
        t.UtcDateTime.AddTicks(-(t.UtcDateTime.Ticks % 10)).ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture);
}
