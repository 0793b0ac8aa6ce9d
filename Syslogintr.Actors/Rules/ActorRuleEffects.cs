using Akka.Actor;
using Akka.Event;
using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Ingest;
using Syslogintr.Pipeline;
using Syslogintr.Sinks;

namespace Syslogintr.Rules;

/// <summary>
/// Live effects: each action is a message to its actor, sent with no sender so replies never reach the rule.
/// The actors were resolved at start-up (<see cref="ActionTargets"/>); an action whose actor is not running on this
/// node is logged instead, never silently lost. <c>syslog()</c> goes back into the pipeline through the injector.
/// </summary>
public sealed class ActorRuleEffects(ActionTargets targets, MessageInjector injector, ILoggingAdapter log, Action<TimeSpan> setAlarm) : IRuleEffects
{
    public void Alert(AlertRaised alert)
    {
        if (targets.Alerts is { } alerts)
        {
            alerts.Tell(alert, ActorRefs.NoSender);
        }
        else
        {
            log.Warning("rule {0} alert [{1}] {2}: {3}", alert.Source, alert.Severity, alert.Subject, alert.Body);
        }
    }

    public void Ban(BanRequested ban) => Send(targets.Ban, ban, "ban", ban.Rule);

    public void Exec(ExecRequested exec) => Send(targets.Exec, exec, "exec", exec.Rule);

    public void Write(FileWriteRequested write) => Send(targets.Write, write, "write", write.Rule);

    public void Relay(RelayRequested relay) => Send(targets.Relay, relay, "relay", relay.Rule);

    public void Inject(SyslogMessage message) => injector.Inject(message);

    public void InjectionRefused(SyslogMessage message) => injector.Refuse(message);

    public void SetAlarm(TimeSpan interval) => setAlarm(interval);

    private void Send(IActorRef? target, object request, string action, string rule)
    {
        if (target is not null)
        {
            target.Tell(request, ActorRefs.NoSender);
        }
        else
        {
            log.Warning("rule {0}: no {1} actor runs on this node; not done: {2}", rule, action, request);
        }
    }
}
