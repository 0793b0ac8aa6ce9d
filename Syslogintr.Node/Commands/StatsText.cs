using System.Globalization;
using System.Text;
using Syslogintr.Http;

namespace Syslogintr.Node.Commands;

/// <summary>A <see cref="NodeStatus"/> as <c>syslogintr stats</c> prints it: the status page's sections as terminal tables.</summary>
public static class StatsText
{
    public static string Format(NodeStatus status)
    {
        var now = status.Time;
        var text = new StringBuilder();
        text.AppendLine($"node {status.Node} at {Time(now)}{(status.Ready ? "" : " (not ready: starting or stopping)")}");

        text.AppendLine("listeners:");
        TextTable.Append(text, ["name", "bound", "received", "dropped", "kernel-dropped", "parse-errors", "errors"], status.Listeners.Select(l => new[]
        {
            l.Name, l.Bound switch { true => "yes", false => "NO", null => "-" }, Count(l.Received), Count(l.Dropped), Count(l.KernelDropped), Count(l.ParseErrors), Count(l.Errors),
        }));

        text.AppendLine("consumers:");
        TextTable.Append(text, ["name", "delivered", "dropped", "in-flight"], status.Consumers.Select(c => new[] { c.Name, Count(c.Delivered), Count(c.Dropped), Count(c.InFlight) }));

        Section(text, "rules", status.Rules, ["name", "calls", "errors", "rebuilds", "reloads"], r => [r.Name, Count(r.Calls), Count(r.Errors), Count(r.Rebuilds), Count(r.Reloads)]);
        Section(text, "probes", status.Probes, ["name", "state", "since", "checked", "took", "detail"], p =>
        [
            p.Name,
            p.Up switch { true => "up", false => "DOWN", null => "not yet run" },
            p.Since is { } since ? $"{Time(since)} ({Age(now - since)} ago)" : "-",
            p.At is { } at ? Time(at) : "-",
            p.DurationSeconds is { } took ? $"{took.ToString("0.###", CultureInfo.InvariantCulture)}s" : "-",
            p.Detail,
        ]);
        Section(text, "alerts", status.Alerts, ["severity", "subject", "source", "raised", "mailed"], a =>
            [a.Severity, a.Subject, a.Source, Time(a.RaisedAt), a.MailedAt is { } mailed ? Time(mailed) : "not yet"]);
        if (status.Outbox is { } outbox)
        {
            text.AppendLine(outbox.Count == 0 ? "outbox: empty" : $"outbox: {outbox.Count} mail(s) waiting");
            foreach (var mail in outbox)
            {
                text.AppendLine($"  {mail}");
            }
        }

        Section(text, "bans", status.Bans, ["address", "until", "rule", "reason"], b => [b.Address, $"{Time(b.Until)} (in {Age(b.Until - now)})", b.Rule, b.Reason]);
        foreach (var missing in status.Unavailable)
        {
            text.AppendLine($"unavailable: {missing}");
        }

        return text.ToString();
    }

    /// <summary>A titled table; "none" when empty; "unavailable" when its owner did not answer (the reason follows at the end).</summary>
    private static void Section<T>(StringBuilder text, string title, IReadOnlyList<T>? lines, string[] header, Func<T, string[]> row)
    {
        if (lines is null)
        {
            text.AppendLine($"{title}: unavailable");
        }
        else if (lines.Count == 0)
        {
            text.AppendLine($"{title}: none");
        }
        else
        {
            text.AppendLine($"{title}:");
            TextTable.Append(text, header, lines.Select(row));
        }
    }

    private static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Age(TimeSpan span) => span switch
    {
        { TotalSeconds: < 0 } => "0s",
        { TotalMinutes: < 1 } => $"{(int)span.TotalSeconds}s",
        { TotalHours: < 1 } => $"{(int)span.TotalMinutes}m",
        { TotalDays: < 1 } => $"{(int)span.TotalHours}h{span.Minutes:00}m",
        _ => $"{(int)span.TotalDays}d{span.Hours:00}h",
    };
}
