using Syslogintr.Cluster.Wire;
using Syslogintr.Ingest;

namespace Syslogintr.Alerts;

/// <summary>Registry key of the alert actor (de-duplication, grouping, rate limit, then mail).</summary>
public sealed class AlertsKey;

/// <summary>Something went bad (a probe failed, a rule called <c>alert{}</c>). Alerts with the same key are one alert.</summary>
public sealed record AlertRaised(string Key, string Subject, string Body, Severity Severity, string Source, DateTimeOffset At) : IClusterMessage;

/// <summary>The alert with this key is no longer bad (a probe succeeded again).</summary>
public sealed record AlertCleared(string Key, string Source, DateTimeOffset At) : IClusterMessage;
