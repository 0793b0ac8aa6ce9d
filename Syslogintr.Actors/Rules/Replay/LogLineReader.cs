using System.Text;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;

namespace Syslogintr.Rules.Replay;

/// <summary>
/// Reads one line of a log file as a message, through the node's own parser: a raw syslog line (<c>&lt;PRI&gt;...</c>)
/// or a line as syslog daemons write files (<c>Mmm dd hh:mm:ss host prog[pid]: text</c>, or with an RFC 3339
/// timestamp, a bare day, no host, a "[prog]:" tag). A file line carries no PRI, so the defaults supply it.
/// Timestamps without a zone are read in <paramref name="clock"/>'s time zone, as the daemon that wrote them did.
/// </summary>
/// <param name="origin">The sender every line is taken to come from (see <see cref="ReplayOrigin"/>); null for <see cref="ReplayOrigin.File"/>.</param>
/// <param name="readAt">When the log is taken to be read: a timestamp without a year gets the year that puts it at
/// most a month after this instant (as the node infers the year from the time it receives a message).</param>
public sealed class LogLineReader(TimeProvider clock, Facility defaultFacility, Severity defaultSeverity, DateTimeOffset readAt, Origin? origin = null)
{
    private readonly SyslogParser parser = new(clock, "localhost");

    /// <summary>The message of <paramref name="line"/>; null for blank lines and <c>#</c> comments.</summary>
    public SyslogMessage? Read(string line)
    {
        if (string.IsNullOrWhiteSpace(line) || line.StartsWith('#'))
        {
            return null;
        }

        var parsed = parser.Parse(Encoding.UTF8.GetBytes(line), origin ?? ReplayOrigin.File, readAt);
        var at = parsed.Timestamp ?? clock.GetUtcNow();
        return parsed.HasPri
            ? parsed with { ReceivedAt = at }
            : parsed with { ReceivedAt = at, Facility = defaultFacility, Severity = defaultSeverity };
    }
}
