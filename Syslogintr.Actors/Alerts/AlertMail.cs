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
            ? $"[syslogintr {hostName}] {Word(notices[0].Kind).ToUpperInvariant()}: {notices[0].Alert.Subject}"
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
