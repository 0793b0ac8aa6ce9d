namespace Syslogintr.Rules;

/// <summary>Ask a rule worker for its counters; answered with <see cref="RuleStats"/>.</summary>
public sealed record GetRuleStats
{
    public static readonly GetRuleStats Instance = new();
}

/// <summary>
/// A worker's counters: messages handed to <c>log</c>, Lua errors (budget overruns included), states rebuilt for
/// memory, <c>syslog()</c> calls refused at the generation limit or dropped by a full ingest queue, and the
/// script version (1, then +1 per successful reload).
/// </summary>
public sealed record RuleStats(string Rule, int Instance, long Messages, long Errors, long Rebuilds, long RefusedInjections, long DroppedInjections, int ScriptVersion);
