using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;
using Xunit.Abstractions;

namespace Syslogintr.Tests.Ingest.Differential;

/// <summary>
/// Our RFC 3164 parser against rsyslog itself, field by field, over <see cref="Rfc3164Corpus"/> (issue 13): every line is
/// measured, and at least 99 % of them must agree on all of pri, hostname, program, procid, timestamp and msg that are
/// compared. A field is left out of a line's comparison only where rsyslog's answer says nothing (a time of receipt)
/// or where we read that line otherwise on purpose (README, "Parsing"), each case counted and shown.
/// </summary>
public sealed partial class Rfc3164DifferentialTests(ITestOutputHelper output)
{
    private const int Pri = 0;
    private const int Hostname = 1;
    private const int Program = 2;
    private const int ProcId = 3;
    private const int Timestamp = 4;
    private const int Msg = 5;
    private static readonly string[] FieldNames = ["pri", "hostname", "program", "procid", "timestamp", "msg"];

    /// <summary>What reading the header otherwise changes: everything but the PRI and (when both read one) the timestamp.</summary>
    private static readonly int[] Header = [Hostname, Program, ProcId, Msg];

    private static readonly int[] AllButPri = [Hostname, Program, ProcId, Timestamp, Msg];

    /// <summary>
    /// Where a field cannot be compared (rsyslog's answer is not the sender's) or we read it otherwise than rsyslog 8.2302
    /// on purpose (each listed in the README), told by the line and both answers (ours, rsyslog's), with the fields it
    /// takes out of that line's comparison; the other fields of the line are still compared.
    /// </summary>
    private static readonly (string Reason, int[] Fields, Func<string, string?[], string?[], bool> Applies)[] NotCompared =
    [
        ("no timestamp: rsyslog gives the time of receipt", [Timestamp], (_, ours, theirs) => ours[Timestamp] is null && theirs[Timestamp] is null),
        ("no timestamp, so no header: all message, RFC 3164 §4.3.3 (rsyslog: first word host, second tag)", Header, (_, ours, theirs) =>
            ours[Timestamp] is null && theirs[Timestamp] is null && ours[Program] is null && (theirs[Program] is not null || theirs[Hostname] != ours[Hostname])),
        ("an IPv6 literal is a host name (rsyslog: tag \"2001:\")", Header, (_, ours, theirs) => ours[Hostname]?.Contains(':') == true && theirs[Hostname] != ours[Hostname]),
        ("\"[program]\" is the program, as fail2ban reads it (rsyslog: PROCID)", [Program, ProcId], (_, ours, theirs) =>
            theirs[Program] is null && ours[Program] is not null && theirs[ProcId] == ours[Program]),
        ("an RFC 3339 timestamp after a space is read (rsyslog: no header)", AllButPri, (line, ours, theirs) =>
            theirs[Timestamp] is null && ours[Timestamp] is not null && Rfc3339AfterSpace(line)),
        ("an ISO timestamp with a space for the T is read (rsyslog: the date is the host, the hour the program)", AllButPri, (line, ours, theirs) =>
            theirs[Timestamp] is null && ours[Timestamp] is not null && IsoWithSpace().IsMatch(line)),
        ("7 or more fraction digits (rsyslog writes them wrongly)", [Timestamp], (line, _, _) => LongFraction().IsMatch(line)),
        ("a fraction too long for rsyslog's integer is read (rsyslog: no header)", Header, (line, ours, theirs) =>
            LongFraction().IsMatch(line) && theirs[Timestamp] is null && ours[Timestamp] is not null),
    ];

    private static bool Rfc3339AfterSpace(string line)
    {
        var body = line.StartsWith('<') ? line[(line.IndexOf('>') + 1)..] : line;
        return body.StartsWith(' ') && char.IsAsciiDigit(body.TrimStart(' ')[0]);
    }

    [GeneratedRegex(@"^(<\d{1,3}>)? *\d{4}-\d\d-\d\d \d\d:")]
    private static partial Regex IsoWithSpace();

    [GeneratedRegex(@"^(<\d{1,3}>)? *(\d{4}-\d\d-\d\d[ Tt]|[A-Za-z]{3} [ \d]?\d (\d{4} )?)\d\d:\d\d:\d\d\.\d{7}")]
    private static partial Regex LongFraction();

    /// <summary>A clock in UTC at the real time (rsyslogd also runs with TZ=UTC and infers a missing year from now).</summary>
    private sealed class UtcClock : TimeProvider
    {
        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }

    [Fact]
    public async Task Agrees_with_rsyslog_on_at_least_99_percent_of_the_corpus()
    {
        var corpus = Rfc3164Corpus.Load().ToList();
        Assert.InRange(corpus.Count, 1000, 3000);
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
        var compared = new int[FieldNames.Length];
        var notCompared = new int[NotCompared.Length];
        var fullyAgreeing = 0;
        var comparedWhole = 0;
        var shown = 0;
        for (var i = 0; i < corpus.Count; i++)
        {
            var ours = Fields(parser.Parse(Encoding.UTF8.GetBytes(corpus[i]), origin, DateTimeOffset.UtcNow));
            var expected = Fields(theirs[i], started, finished);
            var skipped = new bool[FieldNames.Length];
            for (var d = 0; d < NotCompared.Length; d++)
            {
                if (NotCompared[d].Applies(corpus[i], ours, expected))
                {
                    notCompared[d]++;
                    Array.ForEach(NotCompared[d].Fields, f => skipped[f] = true);
                }
            }

            var all = true;
            for (var f = 0; f < FieldNames.Length; f++)
            {
                if (skipped[f])
                {
                    continue;
                }

                compared[f]++;
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
            comparedWhole += Array.TrueForAll(skipped, s => !s) ? 1 : 0;
        }

        for (var d = 0; d < NotCompared.Length; d++)
        {
            output.WriteLine($"{notCompared[d]} lines without {string.Join(", ", NotCompared[d].Fields.Select(f => FieldNames[f]))}: {NotCompared[d].Reason}");
        }

        for (var f = 0; f < FieldNames.Length; f++)
        {
            output.WriteLine($"{FieldNames[f]}: {Percent(agreeing[f], compared[f])} of {compared[f]} lines agree");
        }

        output.WriteLine($"{comparedWhole} of {corpus.Count} lines compared on all six fields");
        output.WriteLine($"all compared fields: {Percent(fullyAgreeing, corpus.Count)} of {corpus.Count} lines agree");
        Assert.Equal(corpus.Count, compared[Pri]);
        Assert.True(fullyAgreeing >= corpus.Count * 0.99, $"only {Percent(fullyAgreeing, corpus.Count)} of the lines agree fully with rsyslog");
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
        var timestamp = !DateTimeOffset.TryParse(r.Timestamp, CultureInfo.InvariantCulture, out var t) ? "unreadable " + r.Timestamp
            : t >= started.AddSeconds(-1) && t <= finished.AddSeconds(1) ? null
            : Instant(t);
        return
        [
            r.Pri,
            r.Hostname,
            r.ProgramName.Length == 0 ? null : r.ProgramName,
            r.ProcId is "-" or "" ? null : r.ProcId,
            timestamp,
            r.Msg.StartsWith(' ') ? r.Msg[1..] : r.Msg,
        ];
    }

    /// <summary>rsyslog keeps microseconds.</summary>
    private static string Instant(DateTimeOffset t) =>
        t.UtcDateTime.AddTicks(-(t.UtcDateTime.Ticks % 10)).ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture);
}
