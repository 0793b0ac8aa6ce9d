using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Ingest;
using Syslogintr.Sinks;

namespace Syslogintr.Rules;

/// <summary>
/// What a rule's Lua calls do outside the Lua state. Live, each is a message to an actor (the call returns at
/// once); under <c>syslogintr test-rule</c>, each is printed as a JSON line and nothing is executed.
/// </summary>
public interface IRuleEffects
{
    void Alert(AlertRaised alert);

    void Ban(BanRequested ban);

    void Exec(ExecRequested exec);

    void Write(FileWriteRequested write);

    void Relay(RelayRequested relay);

    /// <summary>A message the rule logged with <c>syslog(level, text)</c>, to go back into the pipeline.</summary>
    void Inject(SyslogMessage message);

    /// <summary>
    /// A <c>syslog()</c> call refused: the message it answers was already <see cref="RuleDefinition.MaxGeneration"/>
    /// deep (rules logging about each other's messages would loop forever). Counted, never injected.
    /// </summary>
    void InjectionRefused(SyslogMessage message);

    /// <summary>The rule called <c>alarm(n)</c>: call <c>alarm_handler()</c> every <paramref name="interval"/>; zero stops it.</summary>
    void SetAlarm(TimeSpan interval);
}

/// <summary>
/// A Lua error in a rule: where (hook name) and Lua's own message, which carries the script line.
/// <paramref name="OverBudget"/>: the call was stopped by its instruction or time budget.
/// </summary>
public sealed record RuleError(string Rule, string Hook, string Message, bool OverBudget = false);
