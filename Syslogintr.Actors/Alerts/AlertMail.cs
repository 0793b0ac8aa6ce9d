using System.Globalization;
using System.Text;

namespace Syslogintr.Alerts;

/// <summary>Writes the one mail that reports a batch of notices: a subject that names them, a body with a line each.</summary>
public static class AlertMail
{
    /// <summary>Longest body listing; the rest is counted, not listed.</summary>
    private const int MaxListed = 100;

    public static (string Subject, string Body) Compose(string hostName, IReadOnlyList<Notice> notices, DateTimeOffset? heldSince, int maxPerHour)
    {
        var counts = notices.GroupBy(n => n.Kind).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Word(g.Key)}");
        var names = string.Join(", ", notices.Select(n => n.Alert.Key).Distinct().Take(5));
        var subject = notices.Count == 1
            ? $"[syslogintr {hostName}] {Word(notices[0].Kind).ToUpperInvariant()}: {Headline(notices[0])}"
            : $"[syslogintr {hostName}] {string.Join(", ", counts)}: {names}";

        var body = new StringBuilder();
        foreach (var n in notices.Take(MaxListed))
        {
            body.Append(Word(n.Kind).ToUpperInvariant()).Append(' ').Append(n.Alert.Subject)
                .Append("  [").Append(n.Alert.Key).Append(", ").Append(n.Alert.Severity.ToString().ToLowerInvariant())
                .Append(", since ").Append(Stamp(n.Alert.RaisedAt));
            if (n.Kind is NoticeKind.Recovered or NoticeKind.Flapped)
            {
                body.Append(", cleared ").Append(Stamp(n.At));
            }
            else if (n.Kind is NoticeKind.Expired)
            {
                body.Append(", last raised ").Append(Stamp(n.Alert.LastRaisedAt ?? n.Alert.RaisedAt)).Append(", not since");
            }

            body.Append("]\n    ").Append(n.Alert.Body.Replace("\n", "\n    ", StringComparison.Ordinal)).Append("\n\n");
        }

        if (notices.Count > MaxListed)
        {
            body.Append(CultureInfo.InvariantCulture, $"... and {notices.Count - MaxListed} more.\n\n");
        }

        if (heldSince is { } since)
        {
            body.Append(CultureInfo.InvariantCulture, $"This mail was held back by the rate limit ({maxPerHour} mails per hour) since {Stamp(since)}; everything held back is listed above.\n");
        }

        return (subject, body.ToString());
    }

    /// <summary>
    /// What a one-notice subject says after its word. A recovery says how long it lasted rather than repeat the
    /// subject it was raised with (<c>RECOVERED: named is down</c> reads as if it still were): the alert's name,
    /// which is its subject without the " is down" our probes end it with, and the time since it was raised.
    /// </summary>
    private static string Headline(Notice n)
    {
        if (n.Kind is not NoticeKind.Recovered)
        {
            return n.Alert.Subject;
        }

        var name = n.Alert.Subject.EndsWith(DownSuffix, StringComparison.Ordinal) ? n.Alert.Subject[..^DownSuffix.Length] : n.Alert.Subject;
        return $"{name} (down for {Lasting(n.At - n.Alert.RaisedAt)})";
    }

    private const string DownSuffix = " is down";

    /// <summary>A duration in its two largest units, as a person says it: 45s, 1m 15s, 2h 3m, 1d 4h (a zero second unit left out).</summary>
    public static string Lasting(TimeSpan span)
    {
        var seconds = Math.Max(0, (long)span.TotalSeconds);
        var (d, h, m, s) = (seconds / 86400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
        var (big, bigUnit, small, smallUnit) = d > 0 ? (d, "d", h, "h") : h > 0 ? (h, "h", m, "m") : m > 0 ? (m, "m", s, "s") : (s, "s", 0L, "");
        return small > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{big}{bigUnit} {small}{smallUnit}")
            : string.Create(CultureInfo.InvariantCulture, $"{big}{bigUnit}");
    }

    private static string Word(NoticeKind kind) => kind switch
    {
        NoticeKind.Raised => "down",
        NoticeKind.Reminder => "still down",
        NoticeKind.Recovered => "recovered",
        NoticeKind.Expired => "expired",
        _ => "flapped",
    };

    private static string Stamp(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);
}
