using Syslogintr.Cluster.Wire;
using Syslogintr.Ingest;

namespace Syslogintr.Alerts;

/// <summary>Registry key of the alert actor (de-duplication, grouping, rate limit, then mail).</summary>
public sealed class AlertsKey;

/// <summary>Something went bad (a probe failed, a rule called <c>alert{}</c>). Alerts with the same key are one alert.</summary>
public sealed record AlertRaised(string Key, string Subject, string Body, Severity Severity, string Source, DateTimeOffset At) : IClusterMessage;

/// <summary>Ask the alert actor what is bad now; answered with <see cref="AlertsReport"/> (once its state is loaded).</summary>
public sealed record GetAlerts
{
    public static readonly GetAlerts Instance = new();
}

/// <summary>
/// The alerts active now (<see cref="ActiveAlert.NotifiedAt"/>: when a mail about each went out), the notices
/// waiting for the next mail, and the mails decided on and not yet accepted by a server (the outbox).
/// </summary>
public sealed record AlertsReport(IReadOnlyList<ActiveAlert> Active, int PendingNotices, IReadOnlyList<string> UnsentMails);

/// <summary>The alert with this key is no longer bad (a probe succeeded again).</summary>
public sealed record AlertCleared(string Key, string Source, DateTimeOffset At) : IClusterMessage;

/// <summary>A reload changed <c>syslogintr.alerts</c>: the alert actor keeps its alerts and applies these settings from now on.</summary>
public sealed record AlertSettingsChanged(AlertSettings Settings);
