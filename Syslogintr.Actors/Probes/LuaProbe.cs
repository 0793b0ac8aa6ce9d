using Syslogintr.Rules;

namespace Syslogintr.Probes;

/// <summary>
/// Calls a check function of a rule script (<c>function check_x() return ok, details end</c>). Each run loads the
/// script into a Lua state of its own, on the probe's thread, and closes it after: a slow check never holds up the
/// rule's workers, and the check sees the script's globals as loading leaves them (not a live worker's state).
/// The rule's instruction and time budgets bound the call; the probe's timeout bounds everything else.
/// </summary>
public sealed class LuaProbe(RuleDefinition rule, string function, Func<IRuleEffects> effects, TimeProvider clock, string hostName) : IProbe
{
    public Task<ProbeResult> RunAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            using var state = LuaRule.Load(rule, effects(), clock, hostName);
            var (ok, details) = state.RunCheck(function);
            return Task.FromResult(new ProbeResult(ok, details));
        }
        catch (RuleLoadException e)
        {
            return Task.FromResult(ProbeResult.Down($"cannot load {rule.ScriptName}: {e.Reason}"));
        }
    }
}
