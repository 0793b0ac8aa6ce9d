using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;

namespace Syslogintr.Rules.Replay;

/// <summary>
/// Reads one line of a log file as a message: a raw syslog line (<c>&lt;PRI&gt;...</c>, through the node's parser),
/// or a line as syslog daemons write files — <c>Mmm dd hh:mm:ss host prog[pid]: text</c> (traditional, the year
/// inferred) or with an RFC 3339 timestamp — which carries no PRI, so <paramref name="defaultPri"/> supplies it.
/// </summary>
public sealed partial class LogLineReader(TimeProvider clock, Facility defaultFacility, Severity defaultSeverity, int year)
{
    private readonly SyslogParser parser = new(clock, "localhost");

    private static readonly Origin FileOrigin = new(Transport.Udp, "127.0.0.1", 514, "replay", 514, "replay");

    /// <summary>The message of <paramref name="line"/>; null for blank lines and <c>#</c> comments.</summary>
    public SyslogMessage? Read(string line)
    {
        if (string.IsNullOrWhiteSpace(line) || line.StartsWith('#'))
        {
            return null;
        }

        var raw = Encoding.UTF8.GetBytes(line);
        if (line.StartsWith('<'))
        {
            var parsed = parser.Parse(raw, FileOrigin, clock.GetUtcNow());
            if (parsed.IsValid)
            {
                return parsed;
            }
        }

        var (facility, severity, text) = (defaultFacility, defaultSeverity, line);
        var pri = PriPattern().Match(line);
        if (pri.Success && int.TryParse(pri.Groups[1].ValueSpan, CultureInfo.InvariantCulture, out var value) && value < 192)
        {
            (facility, severity, text) = ((Facility)(value / 8), (Severity)(value % 8), line[pri.Length..]);
        }

        var m = FileLinePattern().Match(text);
        if (!m.Success)
        {
            var now = clock.GetUtcNow();
            return new SyslogMessage
            {
                Facility = facility,
                Severity = severity,
                ReceivedAt = now,
                Message = text,
                Raw = raw,
                Origin = FileOrigin,
                ParseError = "not a syslog file line",
            };
        }

        var timestamp = ParseTimestamp(m.Groups["ts"].Value);
        return new SyslogMessage
        {
            Facility = facility,
            Severity = severity,
            HasPri = pri.Success,
            Timestamp = timestamp,
            ReceivedAt = timestamp ?? clock.GetUtcNow(),
            Hostname = m.Groups["host"].Value,
            AppName = m.Groups["prog"].Value,
            ProcId = m.Groups["pid"].Success ? m.Groups["pid"].Value : null,
            Message = m.Groups["msg"].Value,
            Raw = raw,
            Origin = FileOrigin,
            Format = SyslogFormat.Rfc3164,
        };
    }

    private DateTimeOffset? ParseTimestamp(string text)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var iso) && text.Contains('T'))
        {
            return iso;
        }

        var collapsed = string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return DateTime.TryParseExact($"{year} {collapsed}", "yyyy MMM d HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var traditional)
            ? new DateTimeOffset(traditional, TimeSpan.Zero)
            : null;
    }

    [GeneratedRegex(@"^<(\d{1,3})>")]
    private static partial Regex PriPattern();

    [GeneratedRegex(@"^(?<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) (?<host>\S+) (?<prog>[^\s\[:]+)(\[(?<pid>[^\]]*)\])?: ?(?<msg>.*)$")]
    private static partial Regex FileLinePattern();
}
