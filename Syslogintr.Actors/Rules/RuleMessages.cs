using Syslogintr.Metrics;

namespace Syslogintr.Rules;

/// <summary>
/// Ask a rule worker for its counters; answered with <see cref="RuleStats"/> once it has subscribed (the node's
/// starter waits for that answer before it opens the listeners).
/// </summary>
public sealed record GetRuleStats
{
    public static readonly GetRuleStats Instance = new();
}

/// <summary>
/// A snapshot of a worker's <see cref="RuleCounters"/> (the node's metrics hold the counters themselves): messages
/// handed to <c>log</c> (or skipped while over budget), Lua errors (budget overruns and skipped messages included),
/// states rebuilt for memory, <c>syslog()</c> calls refused at the generation limit or dropped by a full ingest
/// queue, and the script version (1, then +1 per reload).
/// </summary>
public sealed record RuleStats(string Rule, int Instance, long Messages, long Errors, long Rebuilds, long RefusedInjections, long DroppedInjections, long ScriptVersion)
{
    public static RuleStats Of(string rule, int instance, RuleCounters c) =>
        new(rule, instance, c.Messages, c.Errors, c.Rebuilds, c.RefusedInjections, c.DroppedInjections, c.ScriptVersion);
}

/// <summary>
/// The node is stopping: call the rule's <c>cleanup()</c> now, while what it logs with <c>syslog()</c> can still
/// reach the sinks (once the ingest queue is closed it could not). Answered with <see cref="RuleCleanedUp"/>.
/// </summary>
public sealed record RunCleanup
{
    public static readonly RunCleanup Instance = new();
}

public sealed record RuleCleanedUp(string Rule, int Instance);
