namespace Syslogintr.Http;

/// <summary>
/// What <c>/api/status</c> answers and the status page shows. A section is null when its owner did not answer
/// or does not run on this node (a cluster's probes and alerts live on one ops node); <see cref="Unavailable"/>
/// says which and why.
/// </summary>
public sealed record NodeStatus(
    string Node,
    DateTimeOffset Time,
    bool Ready,
    IReadOnlyList<ListenerLine> Listeners,
    IReadOnlyList<ConsumerLine> Consumers,
    IReadOnlyList<RuleLine> Rules,
    IReadOnlyList<ProbeLine>? Probes,
    IReadOnlyList<AlertLine>? Alerts,
    IReadOnlyList<string>? Outbox,
    IReadOnlyList<BanLine>? Bans,
    IReadOnlyList<string> Unavailable);

/// <summary>
/// A listener's counters since start. <see cref="Bound"/>: its socket is open now; null for what has no socket
/// (<c>probes</c>: messages that probes and rules inject) or when the listeners' supervisor did not answer.
/// </summary>
public sealed record ListenerLine(string Name, bool? Bound, long Received, long Bytes, long ParseErrors, long Dropped, long KernelDropped, long Errors);

/// <summary>A router consumer (file sink, console, rule): what it was handed and acknowledged, dropped, and holds now.</summary>
public sealed record ConsumerLine(string Name, long Delivered, long Dropped, long InFlight);

/// <summary>A rule instance: calls of <c>log()</c>, errors (budget overruns included), states rebuilt, reloads.</summary>
public sealed record RuleLine(string Name, long Calls, long Errors, long Rebuilds, long Reloads);

/// <summary>A probe's last result: <see cref="Up"/> null before its first; <see cref="Since"/> when it last changed.</summary>
public sealed record ProbeLine(string Name, bool? Up, DateTimeOffset? Since, DateTimeOffset? At, double? DurationSeconds, string Detail);

/// <summary>An alert that is bad now; <see cref="MailedAt"/> null until a mail about it went out.</summary>
public sealed record AlertLine(string Key, string Subject, string Severity, string Source, DateTimeOffset RaisedAt, DateTimeOffset? MailedAt);

public sealed record BanLine(string Address, DateTimeOffset Until, string Reason, string Rule);
